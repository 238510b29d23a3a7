import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { NDArray, checkRewrite, compile, grad, tensor, type Apply, type FunctionGraph } from '@hypatia/core';
import { add, exp, gt, log, mul, tanh } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { dot } from '../linalg/dot.js';
import { transpose } from '../shape/dimshuffle.js';
import { subtensor } from '../shape/subtensor.js';
import { softmax } from '../nnet/softmax.js';
import { scan } from './scan.js';
import { Scan } from './scan-op.js';

const scans = (g: FunctionGraph) => g.nodes.filter((n): n is Apply & { op: Scan } => n.op instanceof Scan);
const xsValue = NDArray.from([[0.5, -1, 2], [1, 0.25, -0.5], [0.1, 0.2, 0.3], [-2, 1, 0]], 'float64');
const WValue = NDArray.from([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]], 'float64');

function rnn() {
  const xs = tensor('float64', [null, 3], 'xs');
  const W = tensor('float64', [3, 2], 'W');
  const h0 = tensor('float64', [2], 'h0');
  // transpose(transpose(W)) and W * 2 depend on no step: they leave the loop.
  const [hs] = scan({ fn: (x, h) => tanh(add(dot(x, mul(transpose(transpose(W)), 2)), h)), sequences: xs, outputsInfo: h0 });
  return { xs, W, h0, hs };
}

describe('loop rewrites', () => {
  it('scan_hoist: what does not depend on the step is computed once, before the loop', async () => {
    const { xs, W, h0, hs } = rnn();
    const { withRule, withoutRule, fired } = await checkRewrite({
      inputs: [xs, W, h0], outputs: [hs], rewrite: 'scan_hoist',
      args: [[xsValue, WValue, NDArray.from([0, 1], 'float64')]],
    });
    expect(fired).toBe(true);
    const [loop] = scans(withRule.graph);
    const [unhoisted] = scans(withoutRule.graph);
    // The body keeps the product and the tanh; the scaling of W is an input of the loop now.
    expect(loop!.op.body.nodes.some((n) => n.op === mul.op || n.inputs.length === 1 && n.op.name !== 'tanh')).toBe(false);
    expect(loop!.op.body.nodes.length).toBeLessThan(unhoisted!.op.body.nodes.length);
  });

  it('inner_graphs: the body is optimised as a function graph (stabilised, fused)', async () => {
    const xs = tensor('float64', [null, 3], 'xs');
    const [lp] = scan({ fn: (x) => log(softmax(x)), sequences: xs });
    const [e] = scan({ fn: (x) => sum(exp(add(mul(x, 2), 1))), sequences: xs });
    const fn = await compile({ inputs: [xs], outputs: [lp, e], backend: 'reference' });
    const bodies = scans(fn.graph).map((n) => n.op.body.nodes.map((m) => m.op.name));
    expect(bodies.flat()).toContain('log_softmax');
    expect(bodies.flat()).not.toContain('log');
    // mul, add, exp and the sum became one fused kernel.
    const fused = scans(fn.graph).find((n) => n.outputs[0]!.ndim === 1)!.op.body.nodes;
    expect(fused).toHaveLength(1);
    expect(fused[0]!.op.name).not.toBe('sum');
    const [a, b] = await fn(xsValue);
    expect(a!.shape).toEqual([4, 3]);
    expect(b!.data[0]).toBeCloseTo(Math.exp(2) + Math.exp(-1) + Math.exp(5), 10);
  });

  it('scan_save_mem: a loop read only at its last step keeps a ring, not its history; unread outputs leave the body', async () => {
    const { xs, W, h0, hs } = rnn();
    const last = subtensor(hs, [-1]);
    const { withRule, withoutRule, fired } = await checkRewrite({
      inputs: [xs, W, h0], outputs: [last], rewrite: 'scan_save_mem',
      args: [[xsValue, WValue, NDArray.from([0, 1], 'float64')]],
    });
    expect(fired).toBe(true);
    const [loop] = scans(withRule.graph);
    expect(loop!.op.info.outputs).toEqual([{ taps: [-1], stacked: false, final: true }]);
    expect(scans(withoutRule.graph)[0]!.op.info.outputs[0]!.stacked).toBe(true);
    // An output nobody reads leaves the body.
    const s0 = tensor('float64', [3], 's0');
    const [[, sums]] = scan({ fn: (x, s) => [mul(x, x), add(s, x)], sequences: xs, outputsInfo: [null, s0] });
    const fn = await compile({ inputs: [xs, s0], outputs: [sums!], backend: 'reference' });
    expect(scans(fn.graph)[0]!.op.info.outputs).toHaveLength(1);
  });

  it('scan_save_mem: a loop with until read only at its last step run keeps its final value', async () => {
    const x0 = tensor('float64', [], 'x0');
    const [xs] = scan({ fn: (x) => { const y = mul(x, 2); return { outputs: y, until: gt(y, 50) }; }, outputsInfo: x0, nSteps: 20 });
    const { withRule, fired } = await checkRewrite({ inputs: [x0], outputs: [subtensor(xs, [-1])], rewrite: 'scan_save_mem', args: [[3], [-1], [100]] });
    expect(fired).toBe(true);
    expect(scans(withRule.graph)[0]!.op.info.outputs).toEqual([{ taps: [-1], stacked: false, final: true }]);
    expect((await withRule(3)).map((a) => a.item())).toEqual([96]);
  });

  it('a gradient keeps the states its backward loop reads, and no more', async () => {
    const { xs, W, h0, hs } = rnn();
    const cost = sum(subtensor(hs, [-1]));
    const fn = await compile({ inputs: [xs, W, h0], outputs: [cost, ...grad(cost, [W, h0])], backend: 'reference' });
    const [forward, backward] = scans(fn.graph).sort((a, b) => Number(a.op.info.goBackwards) - Number(b.op.info.goBackwards));
    expect(forward!.op.info.outputs[0]!.stacked).toBe(true);
    expect(backward!.op.info.goBackwards).toBe(true);
    expect(backward!.op.info.outputs.every((o) => !o.stacked)).toBe(true);
  });
});
