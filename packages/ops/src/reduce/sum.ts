import { reductionProgram, type Apply, type DType, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { normAxes } from './reduce-kernel.js';
import { broadcastLike } from '../elementwise/broadcast.js';
import { AxisReduction, accumulatorDtype, restoreAxes } from './axis-reduction.js';

/** Sum over `axes` (sorted, unique). Integers and booleans sum in int32. */
export class Sum extends AxisReduction {
  readonly name = 'sum';
  protected outputDtype(dtype: DType): DType {
    return accumulatorDtype(dtype);
  }
  override kernels(node: Apply): KernelProgram {
    return reductionProgram(node, { fold: 'sum', axes: this.axes });
  }
  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [broadcastLike(restoreAxes(g!, this.axes, this.keepdims, x!.ndim), x!)];
  }
}

/**
 * The sum over `axis` (one axis, several, or all when omitted); booleans and int32 sum in int32, floats in their dtype.
 */
export function sum(x: VarLike, axis?: number | readonly number[], keepdims = false): Variable {
  const v = asVariable(x);
  const axes = normAxes(axis, v.ndim, 'sum');
  if (!axes.length && v.dtype !== 'bool') return v;
  return new Sum(axes, keepdims).call(v);
}
