import { NDArray, typedArrayFor } from '@hypatia/core';

// Loops over the rows of the last axis, shared by the softmax family's ops.

/** Row-wise stable softmax of `src` into `dst` (rows of length k, contiguous). */
export function softmaxRows(src: ArrayLike<number>, dst: { [i: number]: number; length: number }, k: number): void {
  if (k === 0) return;
  for (let r = 0; r < src.length; r += k) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) if (src[r + j]! > m) m = src[r + j]!;
    let s = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(src[r + j]! - m);
      dst[r + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < k; j++) dst[r + j] = dst[r + j]! * inv;
  }
}

/** Length of the last axis (the normalised one). */
export function lastAxis(x: NDArray): number {
  return x.shape[x.shape.length - 1]!;
}

/** `reuse` when it has x's dtype and shape, else a fresh array. */
export function reuseOrAlloc(x: NDArray, reuse: NDArray | undefined, shape: readonly number[] = x.shape): NDArray {
  if (reuse && reuse.dtype === x.dtype && reuse.shape.length === shape.length && reuse.shape.every((d, i) => d === shape[i])) return reuse;
  return new NDArray(x.dtype, [...shape], typedArrayFor(x.dtype, shape.reduce((a, b) => a * b, 1)));
}

/** Row-wise stable log-softmax: x - max - log(sum(exp(x - max))). */
export function logSoftmaxRows(src: ArrayLike<number>, dst: { [i: number]: number; length: number }, k: number): void {
  if (k === 0) return;
  for (let r = 0; r < src.length; r += k) {
    const lse = logSumExp(src, r, k);
    for (let j = 0; j < k; j++) dst[r + j] = src[r + j]! - lse;
  }
}

/** log(sum(exp(src[r..r+k]))) without overflow. */
export function logSumExp(src: ArrayLike<number>, r: number, k: number): number {
  let m = -Infinity;
  for (let j = 0; j < k; j++) if (src[r + j]! > m) m = src[r + j]!;
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (let j = 0; j < k; j++) s += Math.exp(src[r + j]! - m);
  return m + Math.log(s);
}
