import { HypatiaError, stridesOf, type Apply, type Dim } from '@hypatia/core';

/**
 * Can a value of static shape `y` be written into a target of static shape `target`? As in
 * elementwise ops, y is right-aligned and only its statically-1 axes stretch. Returns the reason
 * when it cannot, null when it can (or when only the run-time lengths will tell).
 */
export function broadcastIntoStatic(y: readonly Dim[], target: readonly Dim[]): string | null {
  if (y.length > target.length) return `the value has ${y.length} dimensions, more than the ${target.length} of the indexed region`;
  for (let k = 0; k < y.length; k++) {
    const yd = y[k]!;
    const td = target[target.length - y.length + k]!;
    if (yd === 1 || yd === null || td === null || yd === td) continue;
    return `the value's axis ${k} has length ${yd} but the indexed region's has ${td}`;
  }
  return null;
}

/** Strides that read `y` (concrete shape, static type `yStatic`) broadcast into `target`, or the reason it does not fit. */
export function broadcastIntoStrides(yShape: readonly number[], yStatic: readonly Dim[], target: readonly number[]): number[] | string {
  const own = stridesOf(yShape);
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - yShape.length;
  for (let k = 0; k < yShape.length; k++) {
    const yd = yShape[k]!;
    const td = target[lead + k]!;
    if (yd === td) out[lead + k] = own[k]!;
    else if (yd === 1 && yStatic[k] === 1) out[lead + k] = 0;
    else if (yd === 1) return `the value has length 1 on axis ${k} where the indexed region has ${td}, but its type does not declare that axis broadcastable (use dimshuffle)`;
    else return `the value has shape [${yShape.join(', ')}] but the indexed region has shape [${target.join(', ')}]`;
  }
  return out;
}

/**
 * The strides that read the value operand (input 1 of `node`) of shape `yShape` broadcast into the
 * written region `target`; when it does not fit, the op's error naming the node.
 */
export function valueStrides(op: string, node: Apply, yShape: readonly number[], target: readonly number[]): number[] {
  const strides = broadcastIntoStrides(yShape, node.inputs[1]!.type.shape, target);
  if (typeof strides === 'string') throw new HypatiaError(op, `at run time: ${strides}`, node.site);
  return strides;
}
