import { NDArray } from '@hypatia/core';
import { symmetricEigen } from './symmetric-eigen.js';

/**
 * CS231n's data preprocessing. Every statistic is fitted on the training data only and then applied
 * unchanged to validation and test data: computing it on all the data would leak the held-out sets
 * into training.
 */
export interface Preprocessor {
  fit(x: NDArray): this;
  transform(x: NDArray): NDArray;
}

function rowsOf(x: NDArray): [number, number] {
  if (x.ndim !== 2) throw new RangeError(`preprocessing: expected rows [n, d], got [${x.shape}]`);
  return [x.shape[0]!, x.shape[1]!];
}

function columnMeans(x: NDArray): Float64Array {
  const [n, d] = rowsOf(x);
  const m = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) m[j]! += x.data[i * d + j]!;
  return m.map((s) => s / n);
}

function fitted<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`${what}: call fit on the training data first`);
  return v;
}

/** Subtract the training set's per-feature mean (centre the cloud of data at the origin). */
export class MeanSubtraction implements Preprocessor {
  mean: Float64Array | null = null;
  fit(x: NDArray): this { this.mean = columnMeans(x); return this; }
  transform(x: NDArray): NDArray {
    const m = fitted(this.mean, 'MeanSubtraction'); const [n, d] = rowsOf(x);
    const out = NDArray.zeros(x.dtype, [n, d]);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out.data[i * d + j] = x.data[i * d + j]! - m[j]!;
    return out;
  }
}

/** Mean subtraction then division by the training set's per-feature standard deviation (constant features are left at 0). */
export class Standardization implements Preprocessor {
  mean: Float64Array | null = null;
  std: Float64Array | null = null;
  fit(x: NDArray): this {
    const [n, d] = rowsOf(x);
    const m = columnMeans(x); const v = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) v[j]! += (x.data[i * d + j]! - m[j]!) ** 2;
    this.mean = m; this.std = v.map((s) => Math.sqrt(s / n));
    return this;
  }
  transform(x: NDArray): NDArray {
    const m = fitted(this.mean, 'Standardization'); const s = this.std!; const [n, d] = rowsOf(x);
    const out = NDArray.zeros(x.dtype, [n, d]);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out.data[i * d + j] = s[j]! > 1e-12 ? (x.data[i * d + j]! - m[j]!) / s[j]! : 0;
    return out;
  }
}

/** Options of Pca: how many components to keep, whether to whiten, and whitening's epsilon. */
export interface PcaOptions {
  /** Keep the top k principal components (default all): the reduced data has k columns. */
  components?: number;
  /** Divide each component by sqrt(eigenvalue + epsilon): whitening, identity covariance. */
  whiten?: boolean;
  /** Smooths the division in whitening; without it noise dimensions blow up (CS231n). Default 1e-5. */
  epsilon?: number;
}

/**
 * CS231n: PCA. Centre the data, take the eigenvectors of its covariance matrix, and project onto the
 * top k (most of the variance is usually in a few); whitening then scales every direction to unit
 * variance. Fit on training data only.
 */
export class Pca implements Preprocessor {
  mean: Float64Array | null = null;
  eigenvalues: Float64Array | null = null;
  /** d x d, eigenvectors as columns, by descending eigenvalue. */
  eigenvectors: Float64Array | null = null;
  private d = 0;
  constructor(readonly options: PcaOptions = {}) {}

  fit(x: NDArray): this {
    const [n, d] = rowsOf(x);
    const m = columnMeans(x);
    const cov = new Float64Array(d * d);
    const row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) row[j] = x.data[i * d + j]! - m[j]!;
      for (let a = 0; a < d; a++) { const ra = row[a]!; if (ra === 0) continue; for (let b = a; b < d; b++) cov[a * d + b]! += ra * row[b]!; }
    }
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) { cov[a * d + b]! /= n; cov[b * d + a] = cov[a * d + b]!; }
    const { values, vectors } = symmetricEigen(cov, d);
    this.mean = m; this.eigenvalues = values; this.eigenvectors = vectors; this.d = d;
    return this;
  }

  /** Fraction of the training variance kept by the first k components. */
  explainedVariance(k: number): number {
    const ev = fitted(this.eigenvalues, 'Pca');
    const total = ev.reduce((s, v) => s + Math.max(v, 0), 0);
    return ev.slice(0, k).reduce((s, v) => s + Math.max(v, 0), 0) / total;
  }

  transform(x: NDArray): NDArray {
    const m = fitted(this.mean, 'Pca'); const u = this.eigenvectors!; const ev = this.eigenvalues!; const d = this.d;
    const [n, dx] = rowsOf(x);
    if (dx !== d) throw new RangeError(`Pca: fitted on ${d} features, got ${dx}`);
    const k = Math.min(this.options.components ?? d, d);
    const eps = this.options.epsilon ?? 1e-5;
    const out = NDArray.zeros(x.dtype, [n, k]);
    const row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) row[j] = x.data[i * d + j]! - m[j]!;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += row[j]! * u[j * d + c]!;
        out.data[i * k + c] = this.options.whiten ? s / Math.sqrt(Math.max(ev[c]!, 0) + eps) : s;
      }
    }
    return out;
  }
}
