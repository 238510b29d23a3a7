import { describe, expect, it } from 'vitest';
import { biasVarianceReport } from './bias-variance.js';
import { gridSearch, randomSearch } from './hyperparameter-search.js';

describe('bias/variance report', () => {
  it('names the larger gap', () => {
    expect(biasVarianceReport(0.99, 0.85).diagnosis).toBe('high variance');
    expect(biasVarianceReport(0.85, 0.84).diagnosis).toBe('high bias');
    expect(biasVarianceReport(0.85, 0.70).diagnosis).toBe('high bias and high variance');
    expect(biasVarianceReport(0.90, 0.89, { targetError: 0.09 }).diagnosis).toBe('good fit');
  });
});

describe('hyperparameter search', () => {
  const score = (p: Record<string, number>) => -((Math.log10(p.eta!) + 1) ** 2) - (p.lambda! - 5) ** 2 / 100;

  it('grid search tries every combination and ranks the best first', async () => {
    const t = await gridSearch({ eta: [0.01, 0.1, 1], lambda: [1, 5] }, score);
    expect(t.length).toBe(6);
    expect(t[0]!.params).toEqual({ eta: 0.1, lambda: 5 });
  });

  it('random search samples within the ranges (log scale for eta), reproducibly', async () => {
    const space = { eta: { min: 1e-4, max: 1, log: true }, lambda: { min: 0, max: 10, integer: true } };
    const t = await randomSearch(space, 40, score, 3);
    expect(t.length).toBe(40);
    expect(t.every((x) => x.params.eta! >= 1e-4 && x.params.eta! <= 1 && Number.isInteger(x.params.lambda))).toBe(true);
    // Log sampling: about half the etas fall below 1e-2.
    expect(t.filter((x) => x.params.eta! < 1e-2).length).toBeGreaterThan(10);
    expect((await randomSearch(space, 40, score, 3))[0]).toEqual(t[0]);
    expect(Math.abs(Math.log10(t[0]!.params.eta!) + 1)).toBeLessThan(0.5);
  });
});
