import { Constant } from '../graph/variable.js';
import { NDArray } from '../ndarray.js';
import { typedArrayFor } from '../dtype.js';
import type { Elemwise } from '../elemwise.js';
import { onesLikeOp, stopGradientOp, zerosLikeOp } from '../grad-ops.js';
import { MAX_FOLDED_ELEMENTS } from './constant-folding.js';
import { registerRewrite, type LocalRewrite } from './registry.js';
import { keepsType } from './match.js';

// Rules for the ops the gradient machinery builds (grad-ops.ts). They are core's own ops, so core
// knows them by identity; the catalogue's ops are rewritten next to them in @hypatia/ops.

/** After differentiation stop_gradient has done its job; at run time it is the identity. */
export const removeStopGradient: LocalRewrite = {
  kind: 'local',
  name: 'stop_gradient',
  phase: 'canonicalize',
  tracks: [stopGradientOp],
  apply(node) {
    const x = node.inputs[0]!;
    return keepsType(node.outputs[0]!, x) ? [x] : null;
  },
};

const FILL_VALUE = new Map<Elemwise, number>([[onesLikeOp, 1], [zerosLikeOp, 0]]);

/**
 * ones_like(x) / zeros_like(x) with x's shape fully known statically is a constant (the seed
 * ones_like(cost) of every gradient is one), which lets mul_one and add_zero simplify gradients.
 */
export const fillLikeConstant: LocalRewrite<Elemwise> = {
  kind: 'local',
  name: 'fill_like_constant',
  phase: 'canonicalize',
  tracks: [onesLikeOp, zerosLikeOp],
  apply(node) {
    const value = FILL_VALUE.get(node.op)!;
    const out = node.outputs[0]!;
    if (!out.shape.every((d) => d !== null)) return null;
    const shape = out.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > MAX_FOLDED_ELEMENTS) return null;
    return [new Constant(new NDArray(out.dtype, shape, typedArrayFor(out.dtype, n).fill(value)))];
  },
};

for (const r of [removeStopGradient, fillLikeConstant]) registerRewrite(r);
