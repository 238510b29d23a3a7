import { Constant, DISCONNECTED, NDArray, Variable, floatX, sconst, zerosLike as zerosLikeCore, onesLike as onesLikeCore, type DType } from '@hypatia/core';
import { elementwise, type ElementwiseFn } from '../elementwise/factory.js';
import { castTo, secondOp } from '../elementwise/broadcast.js';
import { asVariable, type VarLike } from '../util/as-variable.js';

/** A static shape given by the user: non-negative integers, fixed when the graph is built. */
export function checkStaticShape(shape: number | readonly number[], op: string): number[] {
  const s = typeof shape === 'number' ? [shape] : [...shape];
  for (const d of s) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: shape [${s.join(', ')}] must hold non-negative integers (for a shape known only at run time, use ${op}Like)`);
    }
  }
  return s;
}

/** A constant of `shape` filled with `value`. */
export function full(shape: number | readonly number[], value: number | boolean, dtype: DType = typeof value === 'boolean' ? 'bool' : floatX): Constant {
  const a = NDArray.zeros(dtype, checkStaticShape(shape, 'full'));
  a.data.fill(dtype === 'bool' ? (value ? 1 : 0) : Number(value));
  return new Constant(a);
}

/** A constant of zeros (Theano's `zeros` with a static shape). */
export function zeros(shape: number | readonly number[], dtype: DType = floatX): Constant {
  return new Constant(NDArray.zeros(dtype, checkStaticShape(shape, 'zeros')));
}

/** A constant of ones (Theano's `ones` with a static shape). */
export function ones(shape: number | readonly number[], dtype: DType = floatX): Constant {
  const a = NDArray.zeros(dtype, checkStaticShape(shape, 'ones'));
  a.data.fill(1);
  return new Constant(a);
}

const fillOps = new Map<string, ElementwiseFn>();
/** The elementwise op that ignores its input's values and writes `value` in `dtype` (one op per value and dtype). */
function fillOp(value: number, dtype: DType): ElementwiseFn {
  // String(): JSON would turn NaN and Infinity into the same `null`
  const key = `${String(value)}:${dtype}`;
  let f = fillOps.get(key);
  if (!f) {
    f = elementwise({
      name: 'full_like',
      arity: 1,
      props: { value: String(value), dtype },
      formula: () => sconst(value, dtype),
      grad: () => [DISCONNECTED],
    });
    fillOps.set(key, f);
  }
  return f;
}

/**
 * An array shaped like `x` at run time, filled with `value`. A variable `value` is broadcast against
 * `x` (Theano's `fill`) and receives the summed gradient; `x` itself never does.
 */
export function fullLike(x: VarLike, value: VarLike, dtype?: DType): Variable {
  const v = asVariable(x);
  if (value instanceof Variable) return castTo(secondOp.call(v, value), dtype ?? value.dtype);
  if (typeof value !== 'number' && typeof value !== 'boolean') return fullLike(v, asVariable(value), dtype);
  return fillOp(Number(value), dtype ?? v.dtype)(v);
}

/** Zeros shaped like `x` at run time, in `x`'s dtype unless told. */
export function zerosLike(x: VarLike, dtype?: DType): Variable {
  const v = asVariable(x);
  // Share the op the gradient machinery uses, so both merge under CSE.
  return dtype === undefined || dtype === v.dtype ? zerosLikeCore(v) : fullLike(v, 0, dtype);
}

/** Ones of `x`'s shape, in `x`'s dtype or `dtype`. */
export function onesLike(x: VarLike, dtype?: DType): Variable {
  const v = asVariable(x);
  return dtype === undefined || dtype === v.dtype ? onesLikeCore(v) : fullLike(v, 1, dtype);
}
