import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { NDArray, checkRewrite, grad, mulberry32, shared, tensor, type Apply, type FunctionGraph, type Variable } from '@hypatia/core';
import { add, mul, tanh } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { dot } from '../linalg/dot.js';
import { transpose } from '../shape/dimshuffle.js';
import { subtensor } from '../shape/subtensor.js';
import { scan } from './scan.js';
import { Scan } from './scan-op.js';

const scans = (g: FunctionGraph) => g.nodes.filter((n): n is Apply & { op: Scan } => n.op instanceof Scan);
const products = (g: FunctionGraph) => scans(g).flatMap((s) => s.op.body.nodes).filter((n) => n.op.name === 'dot').length;
const rng = mulberry32(7);
const random = (shape: number[], dtype: 'float32' | 'float64' = 'float64') =>
  new NDArray(dtype, shape, dtype === 'float32'
    ? Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() - 0.5)
    : Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() - 0.5));

const xs = tensor('float64', [null, 2, 3], 'xs');
const ys = tensor('float64', [null, 2, 4], 'ys');
const acc0 = tensor('float64', [3, 4], 'acc0');
const args = [[random([5, 2, 3]), random([5, 2, 4]), random([3, 4])], [random([0, 2, 3]), random([0, 2, 4]), random([3, 4])]];

describe('scan_pushout_dot', () => {
  it('a sum of xᵀ·f(y) over the steps, read after the loop, becomes one product of the stacked rows', async () => {
    const [accs] = scan({ fn: (x, y, acc) => add(acc, dot(transpose(x), tanh(y))), sequences: [xs, ys], outputsInfo: acc0 });
    const { withRule, withoutRule, fired } = await checkRewrite({ inputs: [xs, ys, acc0], outputs: [subtensor(accs, [-1])], rewrite: 'scan_pushout_dot', args: args.slice(0, 1), rtol: 1e-12, atol: 1e-12 });
    expect(fired).toBe(true);
    expect(products(withoutRule.graph)).toBe(1);
    expect(products(withRule.graph)).toBe(0);
    expect(withRule.graph.nodes.filter((n) => n.op.name === 'dot')).toHaveLength(1);
  });

  it('reads a sequence at its taps going backwards, and gives the initial value after no steps', async () => {
    // Both operands transposed in the body (x_{t+1} (y_t)ᵀ... as [3, 2]·[2, 4] through transB), read from the reversed sequences.
    const ysT = tensor('float64', [null, 4, 2], 'ysT');
    const [accs] = scan({
      fn: (xPrev, xNext, yT, acc) => add(acc, dot(transpose(add(xPrev, xNext)), transpose(mul(yT, 2)))),
      sequences: [{ input: xs, taps: [-1, 1] }, ysT], outputsInfo: acc0, goBackwards: true,
    });
    const ysTValue = random([5, 4, 2]);
    const { fired, withRule } = await checkRewrite({
      inputs: [xs, ysT, acc0], outputs: [subtensor(accs, [-1])], rewrite: 'scan_pushout_dot',
      args: [[random([7, 2, 3]), ysTValue, random([3, 4])], [random([5, 2, 3]), ysTValue, random([3, 4])]], rtol: 1e-12, atol: 1e-12,
    });
    expect(fired).toBe(true);
    expect(products(withRule.graph)).toBe(0);
    const [none] = await withRule(random([2, 2, 3]), random([0, 4, 2]), args[1]![2]!);
    expect(Array.from(none!.data)).toEqual(Array.from(args[1]![2]!.data));
  });

  it('leaves an accumulator the body reads otherwise, one read at every step, and a product with a non-sequence', async () => {
    const W = tensor('float64', [2, 4], 'W');
    const cases: [string, Variable[]][] = [];
    const [readTwice] = scan({ fn: (x, y, acc) => add(acc, dot(transpose(x), mul(y, sum(acc)))), sequences: [xs, ys], outputsInfo: acc0 });
    cases.push(['the body reads the accumulator', [subtensor(readTwice, [-1])]]);
    const [everyStep] = scan({ fn: (x, y, acc) => add(acc, dot(transpose(x), y)), sequences: [xs, ys], outputsInfo: acc0 });
    cases.push(['every step is read', [sum(everyStep)]]);
    const [invariant] = scan({ fn: (x, acc) => add(acc, dot(transpose(x), W)), sequences: [xs], outputsInfo: acc0, nonSequences: [W] });
    cases.push(['an operand is the same at every step', [subtensor(invariant, [-1])]]);
    for (const [why, outputs] of cases) {
      const { fired } = await checkRewrite({ inputs: [xs, ys, acc0, W], outputs, rewrite: 'scan_pushout_dot', args: [[...args[0]!, random([2, 4])]] });
      expect(fired, why).toBe(false);
    }
  });

  it("an RNN's weight gradient (float32 weights, float64 states: the product is cast) leaves the backward loop", async () => {
    const W = shared(random([4, 4], 'float32'), { name: 'W' });
    const seq = tensor('float64', [null, 2, 4], 'seq');
    const h0 = tensor('float64', [2, 4], 'h0');
    const [hs] = scan({ fn: (x, h) => tanh(add(x, dot(h, W))), sequences: seq, outputsInfo: h0 });
    const cost = sum(mul(hs, hs));
    const { withRule, withoutRule, fired } = await checkRewrite({
      inputs: [seq, h0], outputs: [cost, ...grad(cost, [W, h0, seq])], rewrite: 'scan_pushout_dot',
      args: [[random([6, 2, 4]), random([2, 4])]], rtol: 1e-5, atol: 1e-6,
    });
    expect(fired).toBe(true);
    // The forward product and the state's gradient stay; the weight gradient's leaves.
    expect(products(withoutRule.graph)).toBe(3);
    expect(products(withRule.graph)).toBe(2);
  });
});
