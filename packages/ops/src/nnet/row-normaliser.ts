import { Op, ShapeError, TensorType, type Apply, type NDArray } from '@hypatia/core';
import { requireFloat } from './float-check.js';
import { lastAxis, reuseOrAlloc } from './row-kernels.js';

/** A loop that normalises each contiguous row of length k of `src` into `dst`. */
export type RowKernel = (src: ArrayLike<number>, dst: { [i: number]: number; length: number }, k: number) => void;

/**
 * The skeleton softmax and log-softmax share: a float input of any rank, normalised row by row over
 * its last axis into an output of the same type. Subclasses give the row loop and their gradient.
 */
export abstract class RowNormaliser extends Op {
  protected abstract readonly rowKernel: RowKernel;

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    requireFloat(t!, 'the input');
    if (t!.ndim < 1) throw new ShapeError('needs at least one axis (it normalises over the last one)');
    return [t!];
  }

  perform([x]: readonly NDArray[], _node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const out = reuseOrAlloc(x!, reuse?.[0]);
    this.rowKernel(x!.data, out.data, lastAxis(x!));
    return [out];
  }
}
