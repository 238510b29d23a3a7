import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { fans, initBias, initWeights, reinitialise, weightStd } from './schemes.js';
import { Rng } from './rng.js';

function std(a: NDArray): number {
  const m = [...a.data].reduce((s, v) => s + v, 0) / a.size;
  return Math.sqrt([...a.data].reduce((s, v) => s + (v - m) ** 2, 0) / a.size);
}

describe('initialisation schemes', () => {
  it('have the texts\' variances', () => {
    expect(weightStd('large', 400, 100)).toBe(1);
    expect(weightStd('nielsen', 400, 100)).toBeCloseTo(1 / 20, 12);
    expect(weightStd('xavier', 400, 100)).toBeCloseTo(Math.sqrt(2 / 500), 12);
    expect(weightStd('he', 400, 100)).toBeCloseTo(Math.sqrt(2 / 400), 12);
    expect(fans([8, 3, 5, 5])).toEqual([75, 200]);
  });

  it('draw samples with that spread', () => {
    const rng = new Rng(5);
    expect(std(initWeights('he', [400, 100], rng))).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(std(initWeights('large', [400, 100], rng))).toBeCloseTo(1, 1);
    expect([...initBias(0.01, [3], rng).data].map((v) => +v.toFixed(6))).toEqual([0.01, 0.01, 0.01]);
    expect([...initBias('zero', [2], rng).data]).toEqual([0, 0]);
  });

  it('reinitialise redraws the weighted layers of a stack', () => {
    const l = new FullyConnectedLayer({ nIn: 300, nOut: 200, seed: 2 });
    expect(reinitialise([l], { weights: 'xavier', seed: 9 })).toBe(1);
    expect(std(l.w.get())).toBeCloseTo(Math.sqrt(2 / 500), 2);
    expect([...l.b.get().data].every((v) => v === 0)).toBe(true);
  });
});
