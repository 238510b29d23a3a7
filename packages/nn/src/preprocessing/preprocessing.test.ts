import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import { MeanSubtraction, Pca, Standardization } from './preprocessing.js';
import { Rng } from '../init/rng.js';

/** Correlated 4-d data: x = A z + offset with z ~ N(0, I). */
function correlated(n: number, seed: number): NDArray {
  const rng = new Rng(seed);
  const A = [[2, 0, 0, 0], [1.5, 0.5, 0, 0], [0, 0, 1, 0], [0.3, 0.2, 0.1, 0.05]];
  const out = NDArray.zeros('float64', [n, 4]);
  for (let i = 0; i < n; i++) {
    const z = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    for (let r = 0; r < 4; r++) out.data[i * 4 + r] = 3 + r + A[r]!.reduce((s, a, c) => s + a * z[c]!, 0);
  }
  return out;
}

function covariance(x: NDArray): number[][] {
  const [n, d] = x.shape as [number, number];
  const m = Array.from({ length: d }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += x.data[i * d + j]!; return s / n; });
  return Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => {
    let s = 0; for (let i = 0; i < n; i++) s += (x.data[i * d + a]! - m[a]!) * (x.data[i * d + b]! - m[b]!); return s / n;
  }));
}

describe('preprocessing fitted on training data', () => {
  const train = correlated(2000, 1);
  const test = correlated(500, 2);

  it('mean subtraction and standardisation use the training statistics for every split', () => {
    const ms = new MeanSubtraction().fit(train);
    const t = ms.transform(train);
    for (let j = 0; j < 4; j++) expect(Math.abs([...t.data].filter((_, i) => i % 4 === j).reduce((a, b) => a + b, 0) / 2000)).toBeLessThan(1e-9);
    const st = new Standardization().fit(train);
    const c = covariance(st.transform(train));
    for (let j = 0; j < 4; j++) expect(c[j]![j]).toBeCloseTo(1, 9);
    // The test split is transformed with the training mean, not its own.
    expect(ms.transform(test).data[0]).toBeCloseTo(test.data[0]! - ms.mean![0]!, 12);
    expect(() => new Standardization().transform(test)).toThrow(/fit/);
  });

  it('PCA keeps the top components, with the variance in descending order', () => {
    const p = new Pca({ components: 2 }).fit(train);
    const r = p.transform(test);
    expect(r.shape).toEqual([500, 2]);
    const ev = [...p.eigenvalues!];
    expect(ev).toEqual([...ev].sort((a, b) => b - a));
    expect(p.explainedVariance(2)).toBeGreaterThan(0.9);
  });

  it('PCA whitening gives the training data identity covariance', () => {
    const w = new Pca({ whiten: true, epsilon: 1e-12 }).fit(train).transform(train);
    const c = covariance(w);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) expect(c[a]![b]).toBeCloseTo(a === b ? 1 : 0, 6);
  });
});
