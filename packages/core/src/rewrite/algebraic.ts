import { match, P } from 'ts-pattern';
import type { Apply } from '../graph/apply.js';
import { Constant, type Variable } from '../graph/variable.js';
import { NDArray } from '../ndarray.js';
import { typedArrayFor } from '../dtype.js';
import { MAX_FOLDED_ELEMENTS } from './constant-folding.js';
import { registerRewrite, type LocalRewrite } from './registry.js';
import { isConstantFilled, isElemwiseNamed, keepsType } from './match.js';

// Algebraic identities on elementwise ops. Each rule fires only when the operand it keeps already
// has the result's type: `x * ones(3, 4)` with x a row is a broadcast, not an identity.

const filledWith = (x: number) => P.when((v: unknown) => isConstantFilled(v as Variable, x));

/** A rule that replaces a one-output node by one of its operands, when that keeps the type. */
function keepOperand(name: string, pick: (node: Apply) => Variable | null): LocalRewrite {
  return {
    kind: 'local',
    name,
    phase: 'canonicalize',
    apply(node) {
      const kept = pick(node);
      return kept && keepsType(node.outputs[0]!, kept) ? [kept] : null;
    },
  };
}

export const mulOne = keepOperand('mul_one', (node) => !isElemwiseNamed(node, 'mul') ? null : match(node.inputs)
  .with([P.select(), filledWith(1)], (x) => x)
  .with([filledWith(1), P.select()], (x) => x)
  .otherwise(() => null));

export const addZero = keepOperand('add_zero', (node) => !isElemwiseNamed(node, 'add') ? null : match(node.inputs)
  .with([P.select(), filledWith(0)], (x) => x)
  .with([filledWith(0), P.select()], (x) => x)
  .otherwise(() => null));

export const subZero = keepOperand('sub_zero', (node) => !isElemwiseNamed(node, 'sub') ? null : match(node.inputs)
  .with([P.select(), filledWith(0)], (x) => x)
  .otherwise(() => null));

export const divOne = keepOperand('div_one', (node) => !isElemwiseNamed(node, 'div') ? null : match(node.inputs)
  .with([P.select(), filledWith(1)], (x) => x)
  .otherwise(() => null));

/** neg(neg(x)) -> x */
export const negNeg = keepOperand('neg_neg', (node) => {
  if (!isElemwiseNamed(node, 'neg')) return null;
  const inner = node.inputs[0]!.owner;
  return isElemwiseNamed(inner, 'neg') ? inner.inputs[0]! : null;
});

/** After differentiation stop_gradient has done its job; at run time it is the identity. */
export const removeStopGradient = keepOperand('stop_gradient', (node) =>
  isElemwiseNamed(node, 'stop_gradient') ? node.inputs[0]! : null);

/** A cast to the dtype the operand already has. */
export const castSameDtype = keepOperand('cast_same_dtype', (node) =>
  isElemwiseNamed(node, 'cast') && node.inputs[0]!.dtype === node.outputs[0]!.dtype ? node.inputs[0]! : null);

/**
 * second(x, y) -> y when broadcasting against x adds nothing: every axis of x is missing, statically
 * 1, or the same as y's (two unknown lengths count as the same, as they must be equal at run time
 * for the graph to be valid).
 */
export const secondSameShape = keepOperand('second_same_shape', (node) => {
  if (!isElemwiseNamed(node, 'second')) return null;
  const [x, y] = node.inputs as [Variable, Variable];
  if (x.ndim > y.ndim) return null;
  const lead = y.ndim - x.ndim;
  return x.shape.every((d, k) => d === 1 || d === y.shape[lead + k]) ? y : null;
});

/**
 * ones_like(x) / zeros_like(x) with x's shape fully known statically is a constant (the seed
 * ones_like(cost) of every gradient is one), which lets mul_one and add_zero simplify gradients.
 */
export const fillLikeConstant: LocalRewrite = {
  kind: 'local',
  name: 'fill_like_constant',
  phase: 'canonicalize',
  apply(node) {
    const value = isElemwiseNamed(node, 'ones_like') ? 1 : isElemwiseNamed(node, 'zeros_like') ? 0 : null;
    const out = node.outputs[0]!;
    if (value === null || !out.shape.every((d) => d !== null)) return null;
    const shape = out.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > MAX_FOLDED_ELEMENTS) return null;
    return [new Constant(new NDArray(out.dtype, shape, typedArrayFor(out.dtype, n).fill(value)))];
  },
};

for (const r of [mulOne, addZero, subZero, divOne, negNeg, removeStopGradient, castSameDtype, secondSameShape, fillLikeConstant]) {
  registerRewrite(r);
}
