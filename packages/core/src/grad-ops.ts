import { Elemwise } from './elemwise.js';
import { DISCONNECTED } from './graph/op.js';
import { S, sconst } from './scalar/expr.js';
import type { Variable } from './graph/variable.js';
import { Constant } from './graph/variable.js';
import { NDArray } from './ndarray.js';
import type { DType } from './dtype.js';

/**
 * The few ops the gradient machinery itself needs. They are ordinary elementwise ops (same names
 * and formulas as the catalogue's), so the compiler fuses and simplifies them like any other.
 */

/**
 * Sum of gradient contributions; they always share the variable's type, so no broadcasting to undo.
 * An `add` like the catalogue's, whose rewrites therefore track it too.
 */
export const gradientSumOp = new Elemwise({
  name: 'add',
  arity: 2,
  formula: ([a, b]) => S.add(a!, b!),
  grad: (_ins, _out, g) => [g, g],
});

/** The sum of gradient contributions (at least one), as graph. */
export function addAll(vs: readonly Variable[]): Variable {
  let acc = vs[0]!;
  for (let i = 1; i < vs.length; i++) acc = gradientSumOp.call(acc, vs[i]!);
  return acc;
}

function fillLike(value: number, name: string): Elemwise {
  return new Elemwise({
    name,
    arity: 1,
    formula: ([x]) => sconst(value, x!.dtype),
    grad: () => [DISCONNECTED],
  });
}

/** The elementwise op behind `onesLike`. */
export const onesLikeOp = fillLike(1, 'ones_like');
/** The elementwise op behind `zerosLike`. */
export const zerosLikeOp = fillLike(0, 'zeros_like');
/** Ones of `x`'s type and shape. */
export const onesLike = (x: Variable): Variable => onesLikeOp.call(x);
/** Zeros of `x`'s type and shape. */
export const zerosLike = (x: Variable): Variable => zerosLikeOp.call(x);

/** Identity forward; the gradient through it is zero (JAX's stop_gradient, Theano's zero_grad). */
export const stopGradientOp = new Elemwise({
  name: 'stop_gradient',
  arity: 1,
  formula: ([x]) => x!,
  grad: (ins) => [zerosLike(ins[0]!)],
});
/** `x` itself, with no gradient flowing back through it (Theano's zero_grad, JAX's stop_gradient). */
export const stopGradient = (x: Variable): Variable => stopGradientOp.call(x);

/** A scalar constant of the given dtype. */
export function scalarConstant(v: number, dtype: DType): Constant {
  return new Constant(NDArray.from(v, dtype));
}
