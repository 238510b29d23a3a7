import { match, P } from 'ts-pattern';
import {
  gradientSumOp, isConstantFilled, keepsType, registerRewrite, sameShapeOperand,
  type Apply, type Elemwise, type LocalRewrite, type TrackedOp, type Variable,
} from '@hypatia/core';
import { isApplyOf } from '../util/is-apply-of.js';
import { add, div, mul, neg, sub } from './arithmetic.js';
import { Cast, secondOp } from './broadcast.js';

// Algebraic identities on the elementwise ops. Each rule fires only when the operand it keeps already
// has the result's type: `x * ones(3, 4)` with x a row is a broadcast, not an identity.

const filledWith = (x: number) => P.when((v: unknown) => isConstantFilled(v as Variable, x));

/** A rule that replaces a one-output node of `tracks` by one of its operands, when that keeps the type. */
function keepOperand(name: string, tracks: readonly TrackedOp[], pick: (node: Apply & { op: Elemwise }) => Variable | null): LocalRewrite<Elemwise> {
  return {
    kind: 'local',
    name,
    phase: 'canonicalize',
    tracks,
    apply(node) {
      const kept = pick(node);
      return kept && keepsType(node.outputs[0]!, kept) ? [kept] : null;
    },
  };
}

/** The 'mul_one' rewrite: x * 1 -> x, when the result keeps x's type. */
export const mulOne = keepOperand('mul_one', [mul.op], (node) => match(node.inputs)
  .with([P.select(), filledWith(1)], (x) => x)
  .with([filledWith(1), P.select()], (x) => x)
  .otherwise(() => null));

// The gradient machinery sums contributions with its own add (gradientSumOp).
/** The 'add_zero' rewrite: x + 0 -> x (gradient sums too), when the result keeps x's type. */
export const addZero = keepOperand('add_zero', [add.op, gradientSumOp], (node) => match(node.inputs)
  .with([P.select(), filledWith(0)], (x) => x)
  .with([filledWith(0), P.select()], (x) => x)
  .otherwise(() => null));

/** The 'sub_zero' rewrite: x - 0 -> x, when the result keeps x's type. */
export const subZero = keepOperand('sub_zero', [sub.op], (node) => match(node.inputs)
  .with([P.select(), filledWith(0)], (x) => x)
  .otherwise(() => null));

/** The 'div_one' rewrite: x / 1 -> x, when the result keeps x's type. */
export const divOne = keepOperand('div_one', [div.op], (node) => match(node.inputs)
  .with([P.select(), filledWith(1)], (x) => x)
  .otherwise(() => null));

/** neg(neg(x)) -> x */
export const negNeg = keepOperand('neg_neg', [neg.op], (node) => {
  const inner = node.inputs[0]!.owner;
  return isApplyOf(inner, neg.op) ? inner.inputs[0]! : null;
});

/** A cast to the dtype the operand already has. */
export const castSameDtype = keepOperand('cast_same_dtype', [Cast], (node) =>
  node.inputs[0]!.dtype === node.outputs[0]!.dtype ? node.inputs[0]! : null);

/**
 * second(x, y) -> y when broadcasting against x adds nothing: every axis of x is missing, statically
 * 1, or the same as y's (two unknown lengths count as the same, as they must be equal at run time
 * for the graph to be valid).
 */
export const secondSameShape = keepOperand('second_same_shape', [secondOp], (node) => {
  const [x, y] = node.inputs as [Variable, Variable];
  if (x.ndim > y.ndim) return null;
  const lead = y.ndim - x.ndim;
  return x.shape.every((d, k) => d === 1 || d === y.shape[lead + k]) ? y : null;
});

/**
 * second(f(u, ...), y) -> second(u, y) when u has f's shape (core's sameShapeOperand): gradients
 * read x of second(x, g) only for its shape, so x may then lose its last other reader and fuse into
 * the one that remains (square(W) of an L2 term into its sum). In `specialize`, after stabilisation,
 * so it never keeps alive a value a stabilising rewrite would remove.
 */
export const secondShapeSource: LocalRewrite = {
  kind: 'local',
  name: 'second_shape_source',
  phase: 'specialize',
  tracks: [secondOp],
  apply(node) {
    const [x, y] = node.inputs as [Variable, Variable];
    const u = sameShapeOperand(x);
    if (!u) return null;
    const r = node.op.apply([u, y], node.site).outputs[0]!;
    return keepsType(node.outputs[0]!, r) ? [r] : null;
  },
};

for (const r of [mulOne, addZero, subZero, divOne, negNeg, castSameDtype, secondSameShape, secondShapeSource]) registerRewrite(r);
