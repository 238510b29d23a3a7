import { HypatiaError, ShapeError, TensorType, type Apply, type NDArray } from '@hypatia/core';
import { dimsAgree, requireFloat, requireInt32 } from './float-check.js';

/** Type rule shared by the label-indexed losses: a float [n, k] matrix and int32 [n] labels give a float [n] vector. */
export function labelLossType(scores: TensorType, labels: TensorType, what: string): TensorType {
  requireFloat(scores, what);
  if (scores.ndim !== 2) throw new ShapeError(`${what} must be a matrix [rows, classes], got ${scores.ndim} dimensions`);
  requireInt32(labels, 'the labels');
  if (labels.ndim !== 1) throw new ShapeError(`the labels must be a vector with one class index per row, got ${labels.ndim} dimensions`);
  if (!dimsAgree(scores.shape[0]!, labels.shape[0]!)) {
    throw new ShapeError(`${what} has ${scores.shape[0]} rows but there are ${labels.shape[0]} labels`);
  }
  return new TensorType(scores.dtype, [scores.shape[0] ?? labels.shape[0]!]);
}

/**
 * Run-time check (one label per row, each in [-k, k)) and the labels as column indices in [0, k).
 * Negative labels count from the end, as in advancedIndex, so that rewriting
 * `logSoftmax(z)[arange(n), y]` into these ops never changes what a graph computes.
 */
export function labelColumns(op: string, scores: NDArray, labels: NDArray, node: Apply): Int32Array {
  const [n, k] = scores.shape as [number, number];
  checkLabelCount(op, n, labels.size, node);
  const cols = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels.data[i]!;
    if (y < -k || y >= k) throw new HypatiaError(op, `label ${y} at row ${i} is out of range for ${k} classes`, node.site);
    cols[i] = y < 0 ? y + k : y;
  }
  return cols;
}

/** Run-time check: one label per row. */
export function checkLabelCount(op: string, rows: number, labels: number, node: Apply): void {
  if (labels !== rows) throw new HypatiaError(op, `at run time there are ${rows} rows but ${labels} labels`, node.site);
}

/** Run-time check of a loss gradient: one entry per row. */
export function checkLossGradientSize(op: string, entries: number, rows: number, node: Apply): void {
  if (entries !== rows) throw new HypatiaError(op, `at run time the loss gradient has ${entries} entries for ${rows} rows`, node.site);
}
