import type { TypedArray } from '@hypatia/core';

/** Where one matrix lives inside a flat buffer (a batch of matrices shares the buffer). */
export interface MatrixView {
  data: TypedArray;
  offset: number;
}

// Blocking sizes: a [KB x NB] panel of B (64 KiB in float32) stays in L2 while every row of A
// streams over it; the inner loop runs over a contiguous row of B and of the output.
const KB = 128;
const NB = 256;

/**
 * C[m x n] = op(A) · op(B), overwriting C (or adding to it, with `accumulate`), where op(A) is
 * [m x k] and op(B) is [k x n]. With transA, A is stored [k x m]; with transB, B is stored [n x k].
 * The gradients of a product are exactly these transposed products, so no transpose is ever
 * materialised.
 *
 * Every element is one sum in double, over p = 0 .. k-1 in order (from C's value when
 * accumulating), rounded once into C's dtype: the same number whichever way the operands are
 * read, and what the products' kernels compute. int32 products wrap modulo 2^32 exactly, as in
 * NumPy.
 */
export function gemm(a: MatrixView, b: MatrixView, c: MatrixView, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate = false): void {
  if (c.data instanceof Int32Array) {
    gemmInt32(a, b, c, m, n, k, transA, transB, accumulate);
    return;
  }
  // Sums run in a double C: C itself, or scratch copied out (rounded) at the end.
  const wide = c.data instanceof Float64Array;
  const acc = wide ? c.data : doubleScratch(m * n);
  const ao = wide ? c.offset : 0;
  if (!accumulate) acc.fill(0, ao, ao + m * n);
  else if (!wide) for (let i = 0; i < m * n; i++) acc[i] = c.data[c.offset + i]!;
  if (m > 0 && n > 0 && k > 0) {
    if (!transB) gemmRowsOfB(a.data, a.offset, transA ? 1 : k, transA ? m : 1, b.data, b.offset, acc, ao, m, n, k);
    else if (!transA && transB) gemmNT(a.data, a.offset, b.data, b.offset, acc, ao, m, n, k);
    else gemmTT(a.data, a.offset, b.data, b.offset, acc, ao, m, n, k);
  }
  if (!wide) c.data.set(acc.subarray(0, m * n), c.offset);
}

let scratch = new Float64Array(0);

/** A double buffer of at least `size` elements, kept between calls. */
function doubleScratch(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(size);
  return scratch;
}

/** C (+)= op(A)·op(B) for int32 operands, in wrapping int32 arithmetic (exact modulo 2^32, in any order). */
function gemmInt32(a: MatrixView, b: MatrixView, c: MatrixView, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  const A = a.data, B = b.data, C = c.data;
  const [rsA, csA] = transA ? [1, m] : [k, 1];
  const [rsB, csB] = transB ? [1, k] : [n, 1];
  if (!accumulate) C.fill(0, c.offset, c.offset + m * n);
  for (let i = 0; i < m; i++) {
    const row = c.offset + i * n;
    for (let p = 0; p < k; p++) {
      const x = A[a.offset + i * rsA + p * csA]!;
      const bp = b.offset + p * rsB;
      for (let j = 0; j < n; j++) C[row + j] = (C[row + j]! + Math.imul(x, B[bp + j * csB]!)) | 0;
    }
  }
}

/**
 * C += op(A)·B with B row-major [k x n] and op(A)[i, p] = a[ao + i·rs + p·ps] (rs = k, ps = 1 for A;
 * rs = 1, ps = m for Aᵀ). Blocked i-k-j: two rows of C at a time take four rows of B per pass, so
 * each B element loaded feeds two multiply-adds; the inner loop is contiguous in B and C.
 */
function gemmRowsOfB(a: TypedArray, ao: number, rs: number, ps: number, b: TypedArray, bo: number, c: TypedArray, co: number, m: number, n: number, k: number): void {
  for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = Math.min(n, j0 + NB);
    for (let p0 = 0; p0 < k; p0 += KB) {
      const p1 = Math.min(k, p0 + KB);
      let i = 0;
      for (; i + 2 <= m; i += 2) {
        const c0 = co + i * n, c1 = c0 + n;
        const r0 = ao + i * rs, r1 = r0 + rs;
        let p = p0;
        for (; p + 4 <= p1; p += 4) {
          const q = p * ps;
          const x0 = a[r0 + q]!, x1 = a[r0 + q + ps]!, x2 = a[r0 + q + 2 * ps]!, x3 = a[r0 + q + 3 * ps]!;
          const y0 = a[r1 + q]!, y1 = a[r1 + q + ps]!, y2 = a[r1 + q + 2 * ps]!, y3 = a[r1 + q + 3 * ps]!;
          const b0 = bo + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
          for (let j = j0; j < j1; j++) {
            const v0 = b[b0 + j]!, v1 = b[b1 + j]!, v2 = b[b2 + j]!, v3 = b[b3 + j]!;
            c[c0 + j] = c[c0 + j]! + x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3;
            c[c1 + j] = c[c1 + j]! + y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3;
          }
        }
        for (; p < p1; p++) {
          const x = a[r0 + p * ps]!, y = a[r1 + p * ps]!;
          const bp = bo + p * n;
          for (let j = j0; j < j1; j++) {
            const v = b[bp + j]!;
            c[c0 + j] = c[c0 + j]! + x * v;
            c[c1 + j] = c[c1 + j]! + y * v;
          }
        }
      }
      if (i < m) {
        const c0 = co + i * n;
        const r0 = ao + i * rs;
        let p = p0;
        for (; p + 4 <= p1; p += 4) {
          const q = p * ps;
          const x0 = a[r0 + q]!, x1 = a[r0 + q + ps]!, x2 = a[r0 + q + 2 * ps]!, x3 = a[r0 + q + 3 * ps]!;
          const b0 = bo + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
          for (let j = j0; j < j1; j++) c[c0 + j] = c[c0 + j]! + x0 * b[b0 + j]! + x1 * b[b1 + j]! + x2 * b[b2 + j]! + x3 * b[b3 + j]!;
        }
        for (; p < p1; p++) {
          const x = a[r0 + p * ps]!;
          const bp = bo + p * n;
          for (let j = j0; j < j1; j++) c[c0 + j] = c[c0 + j]! + x * b[bp + j]!;
        }
      }
    }
  }
}

/**
 * C += A·Bᵀ, B stored [n x k]: each entry is a dot product of two contiguous rows. Two rows of A
 * against four rows of B at once keep eight sums in registers, so each load feeds several products.
 */
function gemmNT(a: TypedArray, ao: number, b: TypedArray, bo: number, c: TypedArray, co: number, m: number, n: number, k: number): void {
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const r0 = ao + i * k, r1 = r0 + k;
    const c0 = co + i * n, c1 = c0 + n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = bo + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s00 = c[c0 + j]!, s01 = c[c0 + j + 1]!, s02 = c[c0 + j + 2]!, s03 = c[c0 + j + 3]!;
      let s10 = c[c1 + j]!, s11 = c[c1 + j + 1]!, s12 = c[c1 + j + 2]!, s13 = c[c1 + j + 3]!;
      for (let p = 0; p < k; p++) {
        const x = a[r0 + p]!, y = a[r1 + p]!;
        const v0 = b[b0 + p]!, v1 = b[b1 + p]!, v2 = b[b2 + p]!, v3 = b[b3 + p]!;
        s00 += x * v0; s01 += x * v1; s02 += x * v2; s03 += x * v3;
        s10 += y * v0; s11 += y * v1; s12 += y * v2; s13 += y * v3;
      }
      c[c0 + j] = s00; c[c0 + j + 1] = s01; c[c0 + j + 2] = s02; c[c0 + j + 3] = s03;
      c[c1 + j] = s10; c[c1 + j + 1] = s11; c[c1 + j + 2] = s12; c[c1 + j + 3] = s13;
    }
    for (; j < n; j++) {
      const bj = bo + j * k;
      let s0 = c[c0 + j]!, s1 = c[c1 + j]!;
      for (let p = 0; p < k; p++) {
        const v = b[bj + p]!;
        s0 += a[r0 + p]! * v;
        s1 += a[r1 + p]! * v;
      }
      c[c0 + j] = s0;
      c[c1 + j] = s1;
    }
  }
  if (i < m) {
    const r0 = ao + i * k;
    const c0 = co + i * n;
    for (let j = 0; j < n; j++) {
      const bj = bo + j * k;
      let s = c[c0 + j]!;
      for (let p = 0; p < k; p++) s += a[r0 + p]! * b[bj + p]!;
      c[c0 + j] = s;
    }
  }
}

/** C += Aᵀ·Bᵀ = (B·A)ᵀ, A stored [k x m], B [n x k]: rare (second-order gradients), kept simple. */
function gemmTT(a: TypedArray, ao: number, b: TypedArray, bo: number, c: TypedArray, co: number, m: number, n: number, k: number): void {
  for (let j = 0; j < n; j++) {
    const bj = bo + j * k;
    for (let p = 0; p < k; p++) {
      const bv = b[bj + p]!;
      const ap = ao + p * m;
      for (let i = 0; i < m; i++) c[co + i * n + j] = c[co + i * n + j]! + a[ap + i]! * bv;
    }
  }
}
