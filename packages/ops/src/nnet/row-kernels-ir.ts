import { E, I, type Buf, type DType, type Expr, type Idx, type IdxLike, type KernelBuilder } from '@hypatia/core';

/**
 * What the softmax family's kernels share: their reference loops compute in double and round to
 * the dtype where they store, and take a row's maximum skipping NaN (a NaN then spreads through
 * the sum, or the row's infinite maximum stands, as in `logSumExp`).
 */

/** A value as a double, as the reference loops read every element. */
export const wide = (x: Expr): Expr => E.cast(x, 'float64');

/** A double rounded to `dtype`, as a typed-array store rounds it. */
export const narrow = (x: Expr, dtype: DType): Expr => E.cast(x, dtype);

/** max over the row's elements at(j), j < cols, NaN skipped (-Infinity for a row of NaN), as a double. */
export function rowMax(k: KernelBuilder, x: Buf, at: (j: Idx) => Idx, cols: IdxLike): Expr {
  const m = k.reduce('max', [cols], ([j]) => {
    const v = x.at(at(j!));
    return E.select(E.call('isnan', [v]), E.c(-Infinity, x.dtype), v);
  });
  return wide(m);
}

/** sum over the row of exp(x - m), in double. */
export function rowExpSum(k: KernelBuilder, x: Buf, at: (j: Idx) => Idx, cols: IdxLike, m: Expr): Expr {
  return k.reduce('sum', [cols], ([j]) => E.exp(E.sub(wide(x.at(at(j!))), m)), { acc: 'float64' });
}

/** log(sum(exp(row))) as `logSumExp` computes it: the maximum itself when it is infinite. */
export function rowLogSumExp(k: KernelBuilder, x: Buf, at: (j: Idx) => Idx, cols: IdxLike): Expr {
  const m = rowMax(k, x, at, cols);
  return E.select(E.call('isinf', [m]), m, E.add(m, E.log(rowExpSum(k, x, at, cols, m))));
}

/**
 * softmax(x)[j] of a row as `softmaxRows` computes it: e = exp(x - max) stored (rounded to the
 * dtype), then scaled by 1 / sum(e) (the unrounded e's), computed once a row.
 */
export function rowSoftmax(k: KernelBuilder, x: Buf, at: (j: Idx) => Idx, cols: IdxLike, j: Idx): Expr {
  const m = rowMax(k, x, at, cols);
  const inv = k.once(E.div(E.c(1, 'float64'), rowExpSum(k, x, at, cols, m)));
  const e = narrow(E.exp(E.sub(wide(x.at(at(j))), m)), x.dtype);
  return narrow(E.mul(wide(e), inv), x.dtype);
}

/** The flat index of element j of row r of a [rows, cols] matrix. */
export const rowAt = (r: IdxLike, cols: IdxLike) => (j: IdxLike): Idx => I.add(I.mul(r, cols), j);

/** Rows and columns of an array normalised over its last axis (rows of an empty last axis still count). */
export function rowsAndCols(shape: readonly number[]): [number, number] {
  return [shape.slice(0, -1).reduce((a, b) => a * b, 1), shape[shape.length - 1]!];
}
