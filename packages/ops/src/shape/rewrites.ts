import { Elemwise, keepsType, registerRewrite, type LocalRewrite, type Variable } from '@hypatia/core';
import { DimShuffle } from './dimshuffle.js';
import { Reshape } from './reshape.js';
import { Subtensor } from './subtensor.js';

/**
 * `x[:, ::1]` is x. subtensor() builds a node even for a whole-tensor index (so incSubtensor can
 * read the index back); a compiled function should not pay a copy for it.
 */
export const wholeSubtensorRewrite: LocalRewrite<Subtensor> = {
  kind: 'local',
  name: 'subtensor_whole',
  phase: 'canonicalize',
  tracks: [Subtensor],
  apply(node) {
    const whole = node.op.indices.every((a) => a.kind === 'slice' && a.start === null && a.stop === null && (a.step === null || a.step === 1));
    const x = node.inputs[0]!;
    return whole && keepsType(node.outputs[0]!, x) ? [x] : null;
  },
};

/** dimshuffle(dimshuffle(x, p1), p2) -> dimshuffle(x, p1 after p2), or x when that is the identity. */
export const dimshuffleOfDimshuffle: LocalRewrite<DimShuffle> = {
  kind: 'local',
  name: 'dimshuffle_dimshuffle',
  phase: 'canonicalize',
  tracks: [DimShuffle],
  apply(node) {
    const inner = node.inputs[0]!.owner;
    if (!inner || !(inner.op instanceof DimShuffle)) return null;
    const { pattern: first, inputNdim } = inner.op;
    const composed = node.op.pattern.map((p) => (p === 'x' ? 'x' : first[p]!));
    const x = inner.inputs[0]!;
    // A broadcastable axis dropped and re-inserted at the same place counts as kept.
    const identity = composed.length === inputNdim && composed.every((p, i) => p === i || (p === 'x' && x.shape[i] === 1));
    const result = identity ? x : new DimShuffle(composed, inputNdim).apply([x], node.site).outputs[0]!;
    return keepsType(node.outputs[0]!, result) ? [result] : null;
  },
};

/** reshape(reshape(x, a), b) -> reshape(x, b): the intermediate layout does not matter. */
export const reshapeOfReshape: LocalRewrite<Reshape> = {
  kind: 'local',
  name: 'reshape_reshape',
  phase: 'canonicalize',
  tracks: [Reshape],
  apply(node) {
    const inner = node.inputs[0]!.owner;
    if (!inner || !(inner.op instanceof Reshape)) return null;
    const result = new Reshape(node.op.target).apply([inner.inputs[0]!], node.site).outputs[0]!;
    return keepsType(node.outputs[0]!, result) ? [result] : null;
  },
};

/** reshape(x, shape) where x's static shape is already exactly `shape`. */
export const reshapeNoop: LocalRewrite<Reshape> = {
  kind: 'local',
  name: 'reshape_noop',
  phase: 'canonicalize',
  tracks: [Reshape],
  apply(node) {
    const x: Variable = node.inputs[0]!;
    const { target } = node.op;
    const same = x.ndim === target.length && x.shape.every((d, i) => d !== null && d === target[i]);
    return same && keepsType(node.outputs[0]!, x) ? [x] : null;
  },
};

/**
 * f(..., dimshuffle(v, ['x', ..., 'x', 0, 1, ...]), ...) -> f(..., v, ...) for an elementwise f:
 * broadcasting aligns trailing axes and pads missing leading ones with length 1, which is all such
 * a dimshuffle does (mean's gradient makes one of its scalar to broadcast against a vector).
 */
export const elemwiseLeadingAxes: LocalRewrite<Elemwise> = {
  kind: 'local',
  name: 'elemwise_leading_axes',
  phase: 'canonicalize',
  tracks: [Elemwise],
  apply(node) {
    if (!node.op.pure || node.outputs.length !== 1) return null;
    let changed = false;
    const ins = node.inputs.map((x) => {
      const d = x.owner;
      if (!d || !(d.op instanceof DimShuffle)) return x;
      const { pattern } = d.op;
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

for (const r of [wholeSubtensorRewrite, dimshuffleOfDimshuffle, reshapeOfReshape, reshapeNoop, elemwiseLeadingAxes]) registerRewrite(r);
