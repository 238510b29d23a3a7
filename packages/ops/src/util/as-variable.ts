import { Constant, NDArray, Variable, isFloat, type DType, toNDArray, type ValueLike } from '@hypatia/core';

/** An operand: a symbolic Variable, or a value (number, boolean, array, NDArray) that becomes a constant. */
export type VarLike = Variable | ValueLike;

/**
 * Turn an operand into a variable. A bare JS number is "weakly typed" (as in JAX): it takes the
 * dtype of the tensor it meets, so `x * 2` stays float32 and `i + 1` stays int32.
 */
export function asVariable(x: VarLike, like?: readonly VarLike[]): Variable {
  if (x instanceof Variable) return x;
  if (typeof x === 'number' || typeof x === 'boolean') {
    const vars = (like ?? []).filter((v): v is Variable => v instanceof Variable);
    const partner = vars.find((v) => isFloat(v.dtype)) ?? vars[0];
    let dtype: DType = typeof x === 'boolean' ? 'bool' : 'float32';
    if (partner) {
      if (typeof x === 'boolean') dtype = partner.dtype;
      else if (isFloat(partner.dtype) || Number.isInteger(x)) dtype = partner.dtype === 'bool' ? 'int32' : partner.dtype;
    }
    return new Constant(NDArray.from(x, dtype));
  }
  return new Constant(toNDArray(x));
}

/** Each operand as a variable, bare numbers taking the dtype of the tensors among them (`asVariable`). */
export function asVariables(xs: readonly VarLike[]): Variable[] {
  return xs.map((x) => asVariable(x, xs));
}

/** Normalise an axis (negative counts from the end) and check it. */
export function normAxis(axis: number, ndim: number, op: string): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= ndim) throw new RangeError(`${op}: axis ${axis} is out of range for ${ndim} dimensions`);
  return a;
}
