import { E, I, KernelBuilder, shapeSize, stridesOf, type Apply, type Buf, type Idx, type KernelProgram, type PlanOperand } from '@hypatia/core';
import { resolveRegion, type AxisIndex, type Bound } from './slice-spec.js';
import { stridedCopyKernel, stridedCopyLaunch } from './copy-kernels.js';
import { valueStrides } from './broadcast-into.js';

/**
 * Kernels for basic indexing (Subtensor, IncSubtensor). The region's shape depends on the bounds'
 * values, so the index's int32 scalars are the program's valueInputs and the plan resolves the
 * region as perform does (same checks, same errors). Where the region starts and how it steps are
 * read from the scalars' buffers in the kernel, so a launch's parameters depend only on shapes: a
 * minibatch slice `data[i*mb:(i+1)*mb]` makes the same launch for every i.
 */

/**
 * The region's first element and the step of each of its axes (in x's elements), from x's lengths
 * and strides. Valid at the points of a non-empty region the plan has resolved: a slice's first
 * position is then its clamped start without the empty cases.
 */
export function regionIndex(k: KernelBuilder, indices: readonly AxisIndex[], scalars: readonly Buf[], lens: readonly Idx[], strides: readonly Idx[]): { base: Idx; steps: Idx[] } {
  const value = (b: Bound): Idx | null => (b === null ? null : typeof b === 'number' ? I.lit(b) : scalars[b.input]!.read(0));
  let base: Idx = I.lit(0);
  const steps: Idx[] = [];
  lens.forEach((len, axis) => {
    const a = indices[axis];
    if (!a) { steps.push(strides[axis]!); return; }
    if (a.kind === 'index') { base = I.add(base, I.mul(I.wrap(value(a.at)!, len), strides[axis]!)); return; }
    const step = value(a.step) ?? I.lit(1);
    const start = value(a.start);
    // Python's slice.indices for a slice that takes at least one element.
    const forward = start === null ? I.lit(0) : I.sel(I.lt(start, 0), I.max(0, I.add(start, len)), start);
    const backward = start === null ? I.sub(len, 1) : I.sel(I.lt(start, 0), I.add(start, len), I.min(start, I.sub(len, 1)));
    base = I.add(base, I.mul(I.sel(I.lt(0, step), forward, backward), strides[axis]!));
    steps.push(I.mul(step, strides[axis]!));
  });
  // Computed once a launch, not once a point, where they read the scalars.
  return { base: once(k, base), steps: steps.map((s) => once(k, s)) };
}

/** An index computed once in the outermost loop it allows (parameter arithmetic is left as it is). */
function once(k: KernelBuilder, i: Idx): Idx {
  return readsBuffer(i) ? I.trunc(k.once(E.index(i, 'int32'))) : i;
}

function readsBuffer(i: Idx): boolean {
  switch (i.k) {
    case 'read': return true;
    case 'op': return readsBuffer(i.a) || readsBuffer(i.b);
    case 'sel': return readsBuffer(i.c) || readsBuffer(i.a) || readsBuffer(i.b);
    default: return false;
  }
}

/** The region for these operands (x first, the scalars from `firstScalar` on), checked as perform checks it. */
function planRegion(indices: readonly AxisIndex[], operands: readonly PlanOperand[], firstScalar: number, op: string, node: Apply) {
  return resolveRegion(indices, operands[0]!.shape, operands.slice(firstScalar).map((o) => o.value!), op, node);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Subtensor: the region copied out. Parameters: x's lengths and strides, the region's extents, the output's strides. */
export function subtensorProgram(indices: readonly AxisIndex[], node: Apply): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const rank = node.inputs[0]!.ndim;
  const nScalars = node.inputs.length - 1;
  const k = new KernelBuilder(`subtensor_${dtype}`);
  const x = k.input(dtype);
  const scalars = range(0, nScalars).map(() => k.input('int32'));
  const out = k.output(dtype);
  const lens = k.params(rank);
  const strides = k.params(rank);
  const extents = k.params(node.outputs[0]!.ndim);
  const outStrides = k.params(node.outputs[0]!.ndim);
  const vars = k.space(...extents);
  const { base, steps } = regionIndex(k, indices, scalars, lens, strides);
  k.store(out, I.strided(vars, outStrides), x.at(I.strided(vars, steps, base)));
  return {
    kernels: [k.build()],
    valueInputs: range(1, 1 + nScalars),
    plan(operands) {
      const { shape } = planRegion(indices, operands, 1, node.op.name, node);
      const xShape = operands[0]!.shape;
      return {
        outputs: [shape],
        launches: [{ kernel: 0, buffers: [...range(0, 1 + nScalars).map((i) => ({ input: i })), { output: 0 }], params: [...xShape, ...stridesOf(xShape), ...shape, ...stridesOf(shape)] }],
      };
    },
  };
}

/**
 * IncSubtensor: x copied, then y (through its broadcast strides) added to or written over the
 * region. A basic index never names an element twice, so the region's points are independent.
 * Region kernel parameters: x's lengths and strides, the region's extents, y's strides.
 */
export function incSubtensorProgram(indices: readonly AxisIndex[], mode: 'inc' | 'set', node: Apply): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const rank = node.inputs[0]!.ndim;
  const nScalars = node.inputs.length - 2;
  const regionRank = rank - indices.filter((a) => a.kind === 'index').length;
  const k = new KernelBuilder(`${mode}_subtensor_${dtype}`);
  const y = k.input(dtype);
  const scalars = range(0, nScalars).map(() => k.input('int32'));
  const out = k.buffer(dtype, mode === 'inc' ? 'readwrite' : 'write');
  const lens = k.params(rank);
  const strides = k.params(rank);
  const extents = k.params(regionRank);
  const yStrides = k.params(regionRank);
  const vars = k.space(...extents);
  const { base, steps } = regionIndex(k, indices, scalars, lens, strides);
  k.store(out, I.strided(vars, steps, base), y.at(I.strided(vars, yStrides)), { accumulate: mode === 'inc' });
  return {
    kernels: [stridedCopyKernel(`copy_${dtype}`, dtype, 1), k.build()],
    valueInputs: range(2, 2 + nScalars),
    plan(operands) {
      const region = planRegion(indices, operands, 2, node.op.name, node);
      const ys = valueStrides(node.op.name, node, operands[1]!.shape, region.shape);
      const xShape = operands[0]!.shape;
      const n = shapeSize(xShape);
      return {
        outputs: [xShape],
        launches: [
          stridedCopyLaunch(0, { input: 0 }, { output: 0 }, [n], [1], [1]),
          { kernel: 1, buffers: [{ input: 1 }, ...range(2, 2 + nScalars).map((i) => ({ input: i })), { output: 0 }], params: [...xShape, ...stridesOf(xShape), ...region.shape, ...ys] },
        ],
      };
    },
  };
}
