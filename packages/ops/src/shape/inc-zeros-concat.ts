import { Constant, Elemwise, gradientSumOp, keepsType, registerRewrite, zerosLikeOp, type Apply, type LocalRewrite, type Variable } from '@hypatia/core';
import { add } from '../elementwise/arithmetic.js';
import { IncSubtensor } from './inc-subtensor.js';
import { concatenate } from './concatenate.js';

/**
 * A sum of blocks each written into zeros, `inc_subtensor(zeros_like(x)[.., a_k:b_k, ..], g_k)`
 * summed over k, whose blocks tile one axis of x (in any order, no overlap, no gap), is
 * `concatenate([g_k], axis)`: one pass instead of a zero array per block and a sum over all of them.
 * It is the gradient of a tensor read in slices (an LSTM's gates, four slices of one product).
 * Not taken where a block would broadcast into its region (concatenate does not stretch).
 */
export const incZerosConcat: LocalRewrite<Elemwise> = {
  kind: 'local',
  name: 'inc_zeros_concat',
  phase: 'canonicalize',
  tracks: [Elemwise],
  apply(node) {
    if (!isSum(node)) return null;
    const leaves: Variable[] = [];
    const flatten = (v: Variable) => {
      if (isSum(v.owner)) v.owner.inputs.forEach(flatten);
      else leaves.push(v);
    };
    flatten(node.outputs[0]!);
    if (leaves.length < 2) return null;
    const blocks = leaves.map(blockOf);
    if (blocks.some((b) => !b)) return null;
    const { axis, zeros, shape } = blocks[0]!;
    if (blocks.some((b) => b!.axis !== axis || b!.zeros !== zeros)) return null;
    const length = shape[axis];
    if (typeof length !== 'number') return null;
    const sorted = [...blocks].sort((p, q) => p!.start - q!.start) as Block[];
    let at = 0;
    for (const b of sorted) {
      if (b.start !== at) return null;
      at = b.stop ?? length;
    }
    if (at !== length) return null;
    const joined = concatenate(sorted.map((b) => b.value), axis);
    return keepsType(node.outputs[0]!, joined) ? [joined] : null;
  },
};
registerRewrite(incZerosConcat);

interface Block {
  /** What the zeros are shaped like (zeros_like's operand, or the zero constant itself). */
  readonly zeros: Variable;
  readonly shape: Variable['shape'];
  readonly axis: number;
  readonly start: number;
  /** null: to the end of the axis. */
  readonly stop: number | null;
  readonly value: Variable;
}

function isSum(n: Apply | null | undefined): n is Apply {
  return !!n && (n.op === add.op || n.op === gradientSumOp) && n.inputs.length === 2 && n.inputs.every((v) => v.ndim === n.outputs[0]!.ndim);
}

/** `inc_subtensor(zeros, g)` (or set) on constant bounds of one axis, every other axis whole, g filling its region exactly. */
function blockOf(v: Variable): Block | null {
  const n = v.owner;
  if (!n || !(n.op instanceof IncSubtensor) || n.inputs.length !== 2) return null;
  const [x, g] = n.inputs as [Variable, Variable];
  // Zeros shaped like one tensor (each block may have its own zeros_like node), or a zero constant (zeros_like of a static shape, folded).
  const zeros = x.owner?.op === zerosLikeOp ? x.owner.inputs[0]! : x instanceof Constant && x.value.data.every((e) => e === 0) ? x : null;
  if (!zeros || g.ndim !== x.ndim) return null;
  const { indices } = n.op;
  if (indices.length !== x.ndim || indices.some((a) => a.kind !== 'slice' || (a.step !== null && a.step !== 1))) return null;
  const whole = (k: number) => { const a = indices[k]!; return a.kind === 'slice' && a.start === null && a.stop === null; };
  const cut = indices.flatMap((_, k) => (whole(k) ? [] : [k]));
  if (cut.length !== 1) return null;
  const axis = cut[0]!;
  const a = indices[axis]!;
  if (a.kind !== 'slice') return null;
  const start = a.start === null ? 0 : a.start;
  const stop = a.stop;
  if (typeof start !== 'number' || start < 0 || (stop !== null && (typeof stop !== 'number' || stop <= start))) return null;
  // A length-1 axis of g would stretch over a longer region: concatenate would not.
  const regionLength = stop === null ? null : stop - start;
  if (g.shape.some((d, k) => d === 1 && (k === axis ? regionLength !== 1 : x.shape[k] !== 1))) return null;
  return { zeros, shape: x.shape, axis, start, stop, value: g };
}
