import { Op, TensorType, type Apply, type DType, type NDArray, type Variable } from '@hypatia/core';
import { dimshuffle } from '../shape/dimshuffle.js';
import { checkAxes, reduceInto, type Fold } from './reduce-kernel.js';

/**
 * What sum, prod, max and min have in common: sorted unique `axes` and `keepdims` as props, the
 * reduced shape as the type rule, and one fold of the shared reduction kernel as reference semantics.
 * Subclasses name their fold and say which dtype comes out; each keeps its own gradient.
 */
export abstract class AxisReduction extends Op {
  abstract override readonly name: Fold;
  constructor(readonly axes: readonly number[], readonly keepdims: boolean) {
    super();
  }

  static override readonly props = ['axes', 'keepdims'];

  /** The dtype of the result for an input of dtype `dtype`. */
  protected abstract outputDtype(dtype: DType): DType;

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    checkAxes(this.axes, t!.ndim);
    return [new TensorType(this.outputDtype(t!.dtype), keptShape(t!.shape, this.axes, this.keepdims))];
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    return [reduceInto(x!, this.axes, this.keepdims, node.outputs[0]!.dtype, this.name)];
  }
}

/** Sum and prod accumulate booleans and integers in int32 (booleans count; they do not stay bool). */
export function accumulatorDtype(dtype: DType): DType {
  return dtype === 'bool' ? 'int32' : dtype;
}

/** A reduction's output shape: `shape` without `axes`, or with 1 there when `keepdims`. */
export function keptShape<T>(shape: readonly T[], axes: readonly number[], keepdims: boolean): (T | 1)[] {
  const out: (T | 1)[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** Put reduced axes back as broadcastable length-1 axes, so a reduced gradient broadcasts against the input. */
export function restoreAxes(g: Variable, axes: readonly number[], keepdims: boolean, ndim: number): Variable {
  if (keepdims) return g;
  const pattern: (number | 'x')[] = [];
  let k = 0;
  for (let i = 0; i < ndim; i++) pattern.push(axes.includes(i) ? 'x' : k++);
  return dimshuffle(g, pattern);
}
