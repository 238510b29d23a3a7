import { NDArray, typedArrayFor, type DType } from '@hypatia/core';

/** The previous call's output when its dtype and shape still fit (the reference backend's reuse), else a new array. */
export function fitOrAllocate(dtype: DType, shape: readonly number[], reuse?: NDArray): NDArray {
  if (reuse && reuse.dtype === dtype && reuse.shape.length === shape.length && reuse.shape.every((d, i) => d === shape[i])) return reuse;
  return new NDArray(dtype, [...shape], typedArrayFor(dtype, shape.reduce((x, y) => x * y, 1)));
}
