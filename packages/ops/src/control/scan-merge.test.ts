import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { NDArray, checkRewrite, compile, grad, mulberry32, tensor, type Apply, type FunctionGraph } from '@hypatia/core';
import { add, mul, sigmoid, tanh } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { dot } from '../linalg/dot.js';
import { subtensor } from '../shape/subtensor.js';
import { scan } from './scan.js';
import { Scan } from './scan-op.js';

const scans = (g: FunctionGraph) => g.nodes.filter((n): n is Apply & { op: Scan } => n.op instanceof Scan);
const forwards = (g: FunctionGraph) => scans(g).filter((n) => !n.op.info.goBackwards);
const backwardProducts = (g: FunctionGraph) => scans(g).filter((n) => n.op.info.goBackwards).flatMap((n) => n.op.body.nodes).filter((n) => n.op.name === 'dot').length;
const rng = mulberry32(11);
const random = (shape: number[]) => new NDArray('float64', shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() - 0.5));

// A gated recurrence: the gates read the product h·W, as an LSTM's do.
const xs = tensor('float64', [null, 2, 3], 'xs');
const W = tensor('float64', [3, 3], 'W');
const h0 = tensor('float64', [2, 3], 'h0');
const [hs] = scan({ fn: (x, h) => { const z = add(x, dot(h, W)); return mul(sigmoid(z), tanh(z)); }, sequences: xs, outputsInfo: h0, nonSequences: W });
const cost = sum(mul(hs, hs));
const args = [[random([6, 2, 3]), random([3, 3]), random([2, 3])]];

describe('the gradient keeps the forward loop\'s products; scan_merge_twins', () => {
  it('the backward loop reads the forward product instead of recomputing it, and the forward loop runs once', async () => {
    const { withRule, withoutRule, fired } = await checkRewrite({
      inputs: [xs, W, h0], outputs: [cost, ...grad(cost, [W, h0, xs])], rewrite: 'scan_merge_twins', args, rtol: 1e-12, atol: 1e-12,
    });
    expect(fired).toBe(true);
    expect(forwards(withoutRule.graph)).toHaveLength(2);
    expect(forwards(withRule.graph)).toHaveLength(1);
    // Left in the backward body: the state's gradient dz·Wᵀ (the weight's leaves the loop); no recomputed h·W.
    expect(backwardProducts(withRule.graph)).toBe(1);
    const [loop] = forwards(withRule.graph);
    expect(loop!.op.info.outputs).toHaveLength(2);
  });

  it('the gradient agrees with finite differences', async () => {
    const fn = await compile({ inputs: [xs, W, h0], outputs: [cost, ...grad(cost, [W])], backend: 'reference' });
    const [x, w, h] = args[0]!;
    const [, gW] = await fn(x!, w!, h!);
    const eps = 1e-6;
    for (const k of [0, 4, 8]) {
      const at = (d: number) => { const v = w!.copy(); v.data[k] += d; return v; };
      const [up] = await fn(x!, at(eps), h!);
      const [down] = await fn(x!, at(-eps), h!);
      expect(gW!.data[k]).toBeCloseTo((up!.item() - down!.item()) / (2 * eps), 6);
    }
  });

  it('does not merge loops that compute different values or return less', async () => {
    const [other] = scan({ fn: (x, h) => { const z = add(x, dot(h, W)); return mul(sigmoid(z), tanh(z)); }, sequences: xs, outputsInfo: h0, nonSequences: W });
    const { fired } = await checkRewrite({ inputs: [xs, W, h0], outputs: [sum(hs), subtensor(other, [-1])], rewrite: 'scan_merge_twins', args });
    // Two loops built apart: equal bodies but not one body (the ordinary merge of equal nodes handles those).
    expect(fired).toBe(false);
  });
});
