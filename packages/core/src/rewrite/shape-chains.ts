import type { Apply } from '../graph/apply.js';
import type { Op } from '../graph/op.js';
import type { Variable } from '../graph/variable.js';
import { registerRewrite, type LocalRewrite } from './registry.js';
import { keepsType } from './match.js';
import { Elemwise } from '../elemwise.js';

// Chains of shape ops collapse to one. Core cannot import @hypatia/ops, so the ops are recognised
// by name and read through props() (their declared identity), and the replacement is built with
// the matched op's own class.

type Pattern = readonly (number | 'x')[];
type DimShuffleClass = new (pattern: Pattern, inputNdim: number) => Op;
type ReshapeClass = new (target: readonly number[]) => Op;

const named = (node: Apply | null, name: string): node is Apply => !!node && node.op.name === name && node.inputs.length === 1;

/** dimshuffle(dimshuffle(x, p1), p2) -> dimshuffle(x, p1 after p2), or x when that is the identity. */
export const dimshuffleOfDimshuffle: LocalRewrite = {
  kind: 'local',
  name: 'dimshuffle_dimshuffle',
  phase: 'canonicalize',
  apply(node) {
    const inner = node.inputs[0]?.owner ?? null;
    if (!named(node, 'dimshuffle') || !named(inner, 'dimshuffle')) return null;
    const outer = node.op.props() as { pattern: Pattern };
    const { pattern: first, inputNdim } = inner.op.props() as { pattern: Pattern; inputNdim: number };
    const composed = outer.pattern.map((p) => (p === 'x' ? 'x' : first[p]!));
    const x = inner.inputs[0]!;
    // A broadcastable axis dropped and re-inserted at the same place counts as kept.
    const identity = composed.length === inputNdim && composed.every((p, i) => p === i || (p === 'x' && x.shape[i] === 1));
    const result = identity ? x : new (node.op.constructor as DimShuffleClass)(composed, inputNdim).apply([x], node.site).outputs[0]!;
    return keepsType(node.outputs[0]!, result) ? [result] : null;
  },
};

/** reshape(reshape(x, a), b) -> reshape(x, b): the intermediate layout does not matter. */
export const reshapeOfReshape: LocalRewrite = {
  kind: 'local',
  name: 'reshape_reshape',
  phase: 'canonicalize',
  apply(node) {
    const inner = node.inputs[0]?.owner ?? null;
    if (!named(node, 'reshape') || !named(inner, 'reshape')) return null;
    const { target } = node.op.props() as { target: readonly number[] };
    const result = new (node.op.constructor as ReshapeClass)(target).apply([inner.inputs[0]!], node.site).outputs[0]!;
    return keepsType(node.outputs[0]!, result) ? [result] : null;
  },
};

/** reshape(x, shape) where x's static shape is already exactly `shape`. */
export const reshapeNoop: LocalRewrite = {
  kind: 'local',
  name: 'reshape_noop',
  phase: 'canonicalize',
  apply(node) {
    if (!named(node, 'reshape')) return null;
    const x: Variable = node.inputs[0]!;
    const { target } = node.op.props() as { target: readonly number[] };
    const same = x.ndim === target.length && x.shape.every((d, i) => d !== null && d === target[i]);
    return same && keepsType(node.outputs[0]!, x) ? [x] : null;
  },
};

type AxisReductionClass = new (axes: readonly number[], keepdims: boolean) => Op;
/** Reductions whose class is constructed from (axes, keepdims) alone. */
const AXIS_REDUCTIONS = ['sum', 'prod'];

/**
 * dimshuffle(sum(x, axes, keepdims=true)) that drops exactly the kept length-1 axes, in order ->
 * sum(x, axes): what a broadcast operand's gradient (sumToShape, then a drop of the broadcast axes)
 * builds for every bias. Only when the dimshuffle is the reduction's one reader, so nothing is
 * reduced twice. Also for prod.
 */
export const reduceKeepdimsDimshuffle: LocalRewrite = {
  kind: 'local',
  name: 'reduce_keepdims_dimshuffle',
  phase: 'canonicalize',
  apply(node, fg) {
    const inner = node.inputs[0]?.owner ?? null;
    if (!named(node, 'dimshuffle') || !inner || !AXIS_REDUCTIONS.includes(inner.op.name) || inner.inputs.length !== 1) return null;
    const { axes, keepdims } = inner.op.props() as { axes: readonly number[]; keepdims: boolean };
    if (!keepdims || fg.clients(inner.outputs[0]!).length !== 1) return null;
    const { pattern } = node.op.props() as { pattern: Pattern };
    const keptAxes = inner.outputs[0]!.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    if (pattern.length !== keptAxes.length || pattern.some((p, i) => p !== keptAxes[i])) return null;
    const result = new (inner.op.constructor as AxisReductionClass)(axes, false).apply([inner.inputs[0]!], inner.site).outputs[0]!;
    return keepsType(node.outputs[0]!, result) ? [result] : null;
  },
};

/**
 * f(..., dimshuffle(v, ['x', ..., 'x', 0, 1, ...]), ...) -> f(..., v, ...) for an elementwise f:
 * broadcasting aligns trailing axes and pads missing leading ones with length 1, which is all such
 * a dimshuffle does (mean's gradient makes one of its scalar to broadcast against a vector).
 */
export const elemwiseLeadingAxes: LocalRewrite = {
  kind: 'local',
  name: 'elemwise_leading_axes',
  phase: 'canonicalize',
  apply(node) {
    if (!(node.op instanceof Elemwise) || !node.op.pure || node.outputs.length !== 1) return null;
    let changed = false;
    const ins = node.inputs.map((x) => {
      const d = x.owner ?? null;
      if (!named(d, 'dimshuffle')) return x;
      const { pattern } = d.op.props() as { pattern: Pattern };
      const v = d.inputs[0]!;
      const lead = pattern.length - v.ndim;
      if (lead <= 0 || !pattern.every((p, i) => (i < lead ? p === 'x' : p === i - lead))) return x;
      changed = true;
      return v;
    });
    if (!changed) return null;
    const result = node.op.apply(ins, node.site).outputs[0]!;
    return keepsType(node.outputs[0]!, result) ? [result] : null;
  },
};

for (const r of [dimshuffleOfDimshuffle, reshapeOfReshape, reshapeNoop, reduceKeepdimsDimshuffle, elemwiseLeadingAxes]) registerRewrite(r);
