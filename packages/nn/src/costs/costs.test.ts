import { describe, expect, it } from 'vitest';
import { compile, dmatrix, grad, ivector, NDArray } from '@hypatia/core';
import '@hypatia/backends';
import {
  binaryLogisticCost, l1RegressionCost, l2RegressionCost, logLikelihoodCost, multiclassHingeCost, oneHot, quadraticCost, sigmoidCrossEntropyCost,
} from './costs.js';
import { sigmoid } from '@hypatia/ops';

const m = (rows: number[][]) => NDArray.from(rows, 'float64');
const labels = (ys: number[]) => NDArray.from(ys, 'int32');

describe('costs', () => {
  it('oneHot turns labels into indicator rows', async () => {
    const y = ivector('y');
    const f = await compile({ backend: 'reference', inputs: [y], outputs: oneHot(y, 3) });
    expect((await f(labels([2, 0]))).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
  });

  it('quadratic: 1/2n sum ||a - y||^2, and its gradient carries sigma\'(z)', async () => {
    const z = dmatrix('z'); const t = dmatrix('t');
    const c = quadraticCost(sigmoid(z), t);
    const f = await compile({ backend: 'reference', inputs: [z, t], outputs: [c, grad(c, z)] });
    const [cv, g] = await f(m([[0, 2]]), m([[1, 0]]));
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    expect(cv!.item()).toBeCloseTo(0.5 * ((s(0) - 1) ** 2 + s(2) ** 2), 12);
    expect(g!.data[1]).toBeCloseTo(s(2) * s(2) * (1 - s(2)), 12);
  });

  it('sigmoid cross-entropy: gradient is a - y, finite at saturated outputs where quadratic learns slowly', async () => {
    const z = dmatrix('z'); const t = dmatrix('t');
    const ce = sigmoidCrossEntropyCost(z, t);
    const q = quadraticCost(sigmoid(z), t);
    const f = await compile({ backend: 'reference', inputs: [z, t], outputs: [ce, grad(ce, z), grad(q, z)] });
    // A badly wrong, saturated neuron: z = 800 where the target is 0 (sigmoid rounds to exactly 1).
    const [cv, gce, gq] = await f(m([[800, -800]]), m([[0, 0]]));
    expect(Number.isFinite(cv!.item())).toBe(true);
    expect(cv!.item()).toBeCloseTo(800, 6);
    expect([...gce!.data]).toEqual([1, 0]);
    expect(Math.abs(gq!.data[0]!)).toBeLessThan(1e-300 + 1e-100); // sigma'(800) = 0: the learning slowdown
  });

  it('log-likelihood of softmax: -mean log a_y, gradient (a - onehot)/n, finite for huge logits', async () => {
    const z = dmatrix('z'); const y = ivector('y');
    const c = logLikelihoodCost(z, y);
    const f = await compile({ backend: 'reference', inputs: [z, y], outputs: [c, grad(c, z)] });
    const [cv, g] = await f(m([[1, 2, 3], [1000, 0, -1000]]), labels([0, 2]));
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(cv!.item()).toBeCloseTo(((lse - 1) + 2000) / 2, 8);
    expect([...g!.data].every(Number.isFinite)).toBe(true);
    expect(g!.data[5]).toBeCloseTo(-0.5, 12);
  });

  it('multiclass hinge counts only margins violated by other classes; squared hinge squares them', async () => {
    const s = dmatrix('s'); const y = ivector('y');
    const f = await compile({ backend: 'reference', inputs: [s, y], outputs: [multiclassHingeCost(s, y), multiclassHingeCost(s, y, { squared: true })] });
    // CS231n's example: scores [13, -7, 11], correct class 0, delta 10 -> max(0,-20+10) + max(0,-2+10) = 8.
    const ff = await compile({ backend: 'reference', inputs: [s, y], outputs: multiclassHingeCost(s, y, { delta: 10 }) });
    expect((await ff(m([[13, -7, 11]]), labels([0]))).item()).toBeCloseTo(8, 12);
    const [h, h2] = await f(m([[3, 1, 2.5], [0, 5, 0]]), labels([0, 1]));
    expect(h!.item()).toBeCloseTo((0.5 + 0) / 2, 12);
    expect(h2!.item()).toBeCloseTo(0.25 / 2, 12);
  });

  it('L1 and L2 regression losses', async () => {
    const p = dmatrix('p'); const t = dmatrix('t');
    const f = await compile({ backend: 'reference', inputs: [p, t], outputs: [l1RegressionCost(p, t), l2RegressionCost(p, t)] });
    const [l1, l2] = await f(m([[1, -2], [0, 0]]), m([[0, 0], [3, 0]]));
    expect(l1!.item()).toBeCloseTo((3 + 3) / 2, 12);
    expect(l2!.item()).toBeCloseTo((5 + 9) / 2, 12);
  });

  it('binary logistic per attribute: sum log(1 + exp(-y s)), finite when saturated', async () => {
    const s = dmatrix('s'); const t = dmatrix('t');
    const c = binaryLogisticCost(s, t);
    const f = await compile({ backend: 'reference', inputs: [s, t], outputs: [c, grad(c, s)] });
    const [cv, g] = await f(m([[2, -1, 900]]), m([[1, 1, -1]]));
    expect(cv!.item()).toBeCloseTo(Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(1)) + 900, 8);
    expect([...g!.data].every(Number.isFinite)).toBe(true);
  });
});
