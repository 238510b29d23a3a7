import { describe, expect, it } from 'vitest';
import { compile, grad, NDArray, shared } from '@hypatia/core';
import '@hypatia/backends';
import { mul, sub } from '@hypatia/ops';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { elasticNetPenalty, l1Penalty, l2Penalty, penalisedParams } from './penalties.js';
import { projectMaxNorm, withMaxNorm } from './max-norm.js';
import { EarlyStopping } from './early-stopping.js';

const vec = (xs: number[]) => NDArray.from(xs, 'float32');

describe('weight penalties', () => {
  it('penalise weights, not biases, by default', () => {
    const l = new FullyConnectedLayer({ nIn: 3, nOut: 2, seed: 1 });
    expect(penalisedParams([l])).toEqual([l.w]);
    expect(penalisedParams([l], true)).toEqual([l.w, l.b]);
  });

  it('L2 gradient is (lambda/n) w (weight decay), L1 is (lambda/n) sign(w), elastic is their sum', async () => {
    const w = shared(vec([2, -1, 0.5]), 'w');
    const [l2, l1, el] = [l2Penalty([w], 0.6, 3)!, l1Penalty([w], 0.3, 3)!, elasticNetPenalty([w], 0.3, 0.6, 3)!];
    const f = await compile({ backend: 'reference', inputs: [], outputs: [l2, grad(l2, w), grad(l1, w), grad(el, w)] });
    const [v, g2, g1, ge] = await f();
    expect(v!.item()).toBeCloseTo((0.6 / 6) * 5.25, 5);
    expect([...g2!.data].map((x) => +x.toFixed(5))).toEqual([0.4, -0.2, 0.1]);
    expect([...g1!.data].map((x) => +x.toFixed(5))).toEqual([0.1, -0.1, 0.1]);
    expect([...ge!.data].map((x) => +x.toFixed(5))).toEqual([0.5, -0.3, 0.2]);
    expect(l2Penalty([w], 0, 3)).toBeNull();
  });
});

describe('max-norm', () => {
  it('after an update every unit\'s weight vector has norm within the bound, and short ones are untouched', async () => {
    const w = shared(NDArray.from([[3, 0.1], [4, 0.2]], 'float32'), 'w');
    const step = shared(NDArray.from([[1, 0], [1, 0]], 'float32'), 'g');
    const f = await compile({ backend: 'reference', inputs: [], outputs: [], updates: withMaxNorm([[w, sub(w, mul(-1, step))]], [w], 2) });
    await f();
    const a = w.get();
    const norm = (j: number) => Math.hypot(a.data[j]!, a.data[2 + j]!);
    expect(norm(0)).toBeCloseTo(2, 5);
    expect(norm(0)).toBeLessThanOrEqual(2 + 1e-5);
    expect(a.data[0]! / a.data[2]!).toBeCloseTo(4 / 5, 5); // projected, not clipped: direction kept
    expect([a.data[1], a.data[3]].map((x) => +x!.toFixed(6))).toEqual([0.1, 0.2]);
    expect(() => projectMaxNorm(w, 0)).toThrow(/positive/);
  });
});

describe('early stopping', () => {
  it('stops after n epochs without improvement and restores the best epoch\'s weights', async () => {
    const w = shared(vec([0]), 'w');
    const es = new EarlyStopping([w], { patience: 2 });
    const scores = [0.5, 0.7, 0.65, 0.69, 0.9];
    let stoppedAt = -1;
    for (let e = 0; e < scores.length; e++) {
      w.set(vec([e]));
      if (await es.observe(e, scores[e]!)) { stoppedAt = e; break; }
    }
    expect(stoppedAt).toBe(3);
    expect(es.bestEpoch).toBe(1);
    expect(w.get().data[0]).toBe(3);
    es.restoreBest();
    expect(w.get().data[0]).toBe(1);
  });
});
