import { DISCONNECTED, isFloat, reductionProgram, type Apply, type DType, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { and, div, eq, mul, where } from '../elementwise/arithmetic.js';
import { normAxes } from './reduce-kernel.js';
import { AxisReduction, accumulatorDtype, restoreAxes } from './axis-reduction.js';
import { sum } from './sum.js';

/** Product over `axes` (sorted, unique). Integers and booleans multiply in int32. */
export class Prod extends AxisReduction {
  readonly name = 'prod';

  protected outputDtype(dtype: DType): DType {
    return accumulatorDtype(dtype);
  }

  override kernels(node: Apply): KernelProgram {
    return reductionProgram(node, { fold: 'prod', axes: this.axes });
  }

  /**
   * d prod / d x_i is the product of the other elements of its slice. Dividing prod by x_i fails at
   * zeros, so count the zeros per slice: with none, prod / x_i; with exactly one, the product of the
   * nonzero elements at the zero's position and 0 elsewhere; with two or more, 0 everywhere.
   */
  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    if (!isFloat(x!.dtype)) return [DISCONNECTED];
    const isZero = eq(x!, 0);
    const zeros = sum(isZero, this.axes, true);
    const nonzero = where(isZero, 1, x!);
    const prodNonzero = new Prod(this.axes, true).call(nonzero);
    const local = where(eq(zeros, 0), div(prodNonzero, nonzero), where(and(isZero, eq(zeros, 1)), prodNonzero, 0));
    return [mul(restoreAxes(g!, this.axes, this.keepdims, x!.ndim), local)];
  }
}

/** Product over `axes` (default all; negatives count from the end). */
export function prod(x: VarLike, axis?: number | readonly number[], keepdims = false): Variable {
  const v = asVariable(x);
  const axes = normAxes(axis, v.ndim, 'prod');
  if (!axes.length && v.dtype !== 'bool') return v;
  return new Prod(axes, keepdims).call(v);
}
