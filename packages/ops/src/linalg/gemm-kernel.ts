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
 * C[m x n] = op(A) · op(B), overwriting C, where op(A) is [m x k] and op(B) is [k x n]. With
 * transA, A is stored [k x m]; with transB, B is stored [n x k]. The gradients of a product are
 * exactly these transposed products, so no transpose is ever materialised.
 */
export function gemm(a: MatrixView, b: MatrixView, c: MatrixView, m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  c.data.fill(0, c.offset, c.offset + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  if (!transA && !transB) gemmNN(a.data, a.offset, b.data, b.offset, c.data, c.offset, m, n, k);
  else if (transA && !transB) gemmTN(a.data, a.offset, b.data, b.offset, c.data, c.offset, m, n, k);
  else if (!transA && transB) gemmNT(a.data, a.offset, b.data, b.offset, c.data, c.offset, m, n, k);
  else gemmTT(a.data, a.offset, b.data, b.offset, c.data, c.offset, m, n, k);
}

/** C += A·B, A row-major [m x k], B [k x n]: blocked i-k-j, four rows of B per pass over a C row (then two, then one). */
function gemmNN(a: TypedArray, ao: number, b: TypedArray, bo: number, c: TypedArray, co: number, m: number, n: number, k: number): void {
  for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = Math.min(n, j0 + NB);
    for (let p0 = 0; p0 < k; p0 += KB) {
      const p1 = Math.min(k, p0 + KB);
      for (let i = 0; i < m; i++) {
        const ci = co + i * n;
        const ai = ao + i * k;
        let p = p0;
        for (; p + 4 <= p1; p += 4) {
          const a0 = a[ai + p]!, a1 = a[ai + p + 1]!, a2 = a[ai + p + 2]!, a3 = a[ai + p + 3]!;
          const b0 = bo + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
          for (let j = j0; j < j1; j++) {
            c[ci + j] = c[ci + j]! + a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
          }
        }
        if (p1 - p >= 2) {
          const a0 = a[ai + p]!, a1 = a[ai + p + 1]!;
          const b0 = bo + p * n, b1 = b0 + n;
          for (let j = j0; j < j1; j++) c[ci + j] = c[ci + j]! + a0 * b[b0 + j]! + a1 * b[b1 + j]!;
          p += 2;
        }
        if (p < p1) {
          const av = a[ai + p]!;
          const bp = bo + p * n;
          for (let j = j0; j < j1; j++) c[ci + j] = c[ci + j]! + av * b[bp + j]!;
        }
      }
    }
  }
}

/** C += Aᵀ·B, A stored [k x m]: for each p, row p of A scales row p of B into every C row. */
function gemmTN(a: TypedArray, ao: number, b: TypedArray, bo: number, c: TypedArray, co: number, m: number, n: number, k: number): void {
  for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = Math.min(n, j0 + NB);
    for (let p0 = 0; p0 < k; p0 += KB) {
      const p1 = Math.min(k, p0 + KB);
      for (let i = 0; i < m; i++) {
        const ci = co + i * n;
        let p = p0;
        for (; p + 4 <= p1; p += 4) {
          const a0 = a[ao + p * m + i]!, a1 = a[ao + (p + 1) * m + i]!, a2 = a[ao + (p + 2) * m + i]!, a3 = a[ao + (p + 3) * m + i]!;
          const b0 = bo + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
          for (let j = j0; j < j1; j++) {
            c[ci + j] = c[ci + j]! + a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
          }
        }
        if (p1 - p >= 2) {
          const a0 = a[ao + p * m + i]!, a1 = a[ao + (p + 1) * m + i]!;
          const b0 = bo + p * n, b1 = b0 + n;
          for (let j = j0; j < j1; j++) c[ci + j] = c[ci + j]! + a0 * b[b0 + j]! + a1 * b[b1 + j]!;
          p += 2;
        }
        if (p < p1) {
          const av = a[ao + p * m + i]!;
          const bp = bo + p * n;
          for (let j = j0; j < j1; j++) c[ci + j] = c[ci + j]! + av * b[bp + j]!;
        }
      }
    }
  }
}

/** C = A·Bᵀ, B stored [n x k]: each entry is a dot product of two contiguous rows (four at once). */
function gemmNT(a: TypedArray, ao: number, b: TypedArray, bo: number, c: TypedArray, co: number, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    const ai = ao + i * k;
    const ci = co + i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = bo + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p]!;
        s0 += av * b[b0 + p]!;
        s1 += av * b[b1 + p]!;
        s2 += av * b[b2 + p]!;
        s3 += av * b[b3 + p]!;
      }
      c[ci + j] = s0; c[ci + j + 1] = s1; c[ci + j + 2] = s2; c[ci + j + 3] = s3;
    }
    for (; j < n; j++) {
      const bj = bo + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p]! * b[bj + p]!;
      c[ci + j] = s;
    }
  }
}

/** C = Aᵀ·Bᵀ = (B·A)ᵀ, A stored [k x m], B [n x k]: rare (second-order gradients), kept simple. */
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
