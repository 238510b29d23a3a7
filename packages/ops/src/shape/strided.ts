import { NDArray, typedArrayFor, shapeSize } from '@hypatia/core';
import type { Region } from './slice-spec.js';

/** For each position of `shape` in row-major order, the offset `sum(i_k * strides_k)`. */
export function flatOffsets(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = shapeSize(shape);
  const out = new Int32Array(n);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let p = 0; p < n; p++) {
    out[p] = off;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Split a region into rows along its last axis: row starts (relative), row length and the stride along a row. */
function rows(shape: readonly number[], strides: readonly number[]): { starts: Int32Array; len: number; stride: number } {
  if (shape.length === 0) return { starts: Int32Array.of(0), len: 1, stride: 0 };
  const last = shape.length - 1;
  return { starts: flatOffsets(shape.slice(0, last), strides.slice(0, last)), len: shape[last]!, stride: strides[last]! };
}

/** Copy the elements a region names into a new contiguous array; only the region is read. */
export function gatherRegion(x: NDArray, r: Region): NDArray {
  const out = typedArrayFor(x.dtype, shapeSize(r.shape));
  const { starts, len, stride } = rows(r.shape, r.strides);
  const src = x.data;
  let k = 0;
  for (let i = 0; i < starts.length; i++) {
    let s = r.base + starts[i]!;
    if (stride === 1) { out.set(src.subarray(s, s + len) as never, k); k += len; continue; }
    for (let j = 0; j < len; j++, s += stride) out[k++] = src[s]!;
  }
  return new NDArray(x.dtype, [...r.shape], out);
}

/**
 * Write `y` (read through `yStrides`, 0 on axes where it broadcasts) into the region of `out`,
 * adding to what is there or replacing it.
 */
export function scatterRegion(out: NDArray, r: Region, y: NDArray, yStrides: readonly number[], mode: 'inc' | 'set'): void {
  const dst = rows(r.shape, r.strides);
  const src = rows(r.shape, yStrides);
  const o = out.data;
  const v = y.data;
  for (let i = 0; i < dst.starts.length; i++) {
    let d = r.base + dst.starts[i]!;
    let s = src.starts[i]!;
    if (mode === 'inc') for (let j = 0; j < dst.len; j++, d += dst.stride, s += src.stride) o[d] = o[d]! + v[s]!;
    else for (let j = 0; j < dst.len; j++, d += dst.stride, s += src.stride) o[d] = v[s]!;
  }
}

/** A copy of `x` to write into: `reuse` when it has the same shape and dtype (the previous call's result), else new. */
export function writableCopy(x: NDArray, reuse: NDArray | undefined): NDArray {
  if (reuse && reuse !== x && reuse.dtype === x.dtype && reuse.shape.length === x.shape.length && reuse.shape.every((d, i) => d === x.shape[i])) {
    reuse.data.set(x.data as never);
    return reuse;
  }
  return x.copy();
}
