import { describe, expect, it } from 'vitest';
import { NDArray, SharedVariable, TensorType, evaluate, grad, mulberry32, shared, stopGradient, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { add, gt, mul, sub, tanh } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { dot } from '../linalg/dot.js';
import { subtensor } from '../shape/subtensor.js';
import { stack } from '../shape/concatenate.js';
import { RandomStreams } from '../random/streams.js';
import { RandomOp } from '../random/random-op.js';
import { scan } from './scan.js';

const f64 = (shape: number[], seed: number, scale = 1): NDArray => {
  const rng = mulberry32(seed);
  const a = NDArray.zeros('float64', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = (rng() * 2 - 1) * scale;
  return a;
};
const values = (a: NDArray) => Array.from(a.data);

describe('scan (reference semantics)', () => {
  it('a cumulative sum: one sequence, one state fed back at tap -1', () => {
    const xs = tensor('float64', [null], 'xs');
    const zero = tensor('float64', [], 'zero');
    const [ys, updates] = scan({ fn: (x, acc) => add(acc, x), sequences: xs, outputsInfo: zero });
    expect(updates).toEqual([]);
    const [out] = evaluate([ys], new Map([[xs, NDArray.from([1, 2, 3, 4], 'float64')], [zero, NDArray.from(10, 'float64')]]));
    expect(values(out!)).toEqual([11, 13, 16, 20]);
  });

  it('a two-tap recurrence: taps [-2, -1] read the two previous values, the initial state holds both', () => {
    const init = tensor('float64', [2], 'init');
    const [fib] = scan({ fn: (a, b) => add(a, b), outputsInfo: { initial: init, taps: [-2, -1] }, nSteps: 6 });
    const [out] = evaluate([fib], new Map([[init, NDArray.from([0, 1], 'float64')]]));
    expect(values(out!)).toEqual([1, 2, 3, 5, 8, 13]);
    expect(out!.shape).toEqual([6]);
  });

  it('an RNN step with tanh, weights read as non-sequences and as free variables alike', () => {
    const xs = tensor('float64', [null, 3], 'xs');
    const h0 = tensor('float64', [2], 'h0');
    const W = tensor('float64', [3, 2], 'W');
    const U = tensor('float64', [2, 2], 'U');
    const [viaNonSeq] = scan({ fn: (x, h, w, u) => tanh(add(dot(x, w), dot(h, u))), sequences: xs, outputsInfo: h0, nonSequences: [W, U] });
    const [viaClosure] = scan({ fn: (x, h) => tanh(add(dot(x, W), dot(h, U))), sequences: xs, outputsInfo: h0 });
    const args = new Map<Variable, NDArray>([[xs, f64([4, 3], 1)], [h0, f64([2], 2)], [W, f64([3, 2], 3)], [U, f64([2, 2], 4)]]);
    const [a, b] = evaluate([viaNonSeq, viaClosure], args);
    // Unrolled by hand.
    let h: Variable = h0;
    const steps: Variable[] = [];
    for (let t = 0; t < 4; t++) { h = tanh(add(dot(subtensor(xs, [t]), W), dot(h, U))); steps.push(h); }
    const [want] = evaluate([stack(steps)], args);
    expect(a!.shape).toEqual([4, 2]);
    values(a!).forEach((v, i) => expect(v).toBeCloseTo(want!.data[i]!, 14));
    expect(values(b!)).toEqual(values(a!));
  });

  it('outputs that do not feed back, beside one that does', () => {
    const xs = tensor('float64', [null], 'xs');
    const init = tensor('float64', [], 'r0');
    const [[s, r]] = scan({ fn: (x, r) => [mul(x, x), add(r, x)], sequences: xs, outputsInfo: [null, init] });
    const [o1, o2] = evaluate([s!, r!], new Map([[xs, NDArray.from([1, 2, 3], 'float64')], [init, NDArray.from(0, 'float64')]]));
    expect(values(o1!)).toEqual([1, 4, 9]);
    expect(values(o2!)).toEqual([1, 3, 6]);
  });

  it('sequence taps and goBackwards', () => {
    const xs = tensor('float64', [null], 'xs');
    const [diffs] = scan({ fn: (prev, next) => sub(next, prev), sequences: { input: xs, taps: [-1, 1] } });
    const [rev] = scan({ fn: (x) => mul(x, 1), sequences: xs, goBackwards: true });
    const [d, r] = evaluate([diffs, rev], new Map([[xs, NDArray.from([1, 4, 9, 16, 25], 'float64')]]));
    expect(values(d!)).toEqual([8, 12, 16]);
    expect(values(r!)).toEqual([25, 16, 9, 4, 1]);
  });

  it('until: stops after the step whose condition holds; the outputs have the steps run', () => {
    const x0 = tensor('float64', [], 'x0');
    const [xs] = scan({ fn: (x) => { const y = mul(x, 2); return { outputs: y, until: gt(y, 100) }; }, outputsInfo: x0, nSteps: 20 });
    const [out] = evaluate([xs], new Map([[x0, NDArray.from(3, 'float64')]]));
    expect(values(out!)).toEqual([6, 12, 24, 48, 96, 192]);
    const [never] = evaluate([xs], new Map([[x0, NDArray.from(-1, 'float64')]]));
    expect(never!.shape).toEqual([20]);
  });

  it('a random stream inside draws afresh at each step, and its state advances by the whole loop', () => {
    const rs = new RandomStreams(42);
    const [draws, updates] = scan({ fn: () => rs.uniform({ size: [3], dtype: 'float64' }), nSteps: 4 });
    expect(updates).toHaveLength(1);
    const [state, newState] = updates[0]!;
    expect(state.defaultUpdate).toBe(newState);
    const start = state.get();
    const [d, s] = evaluate([draws, newState]);
    // The same draws made one after the other by the op itself.
    const op = new RandomOp('uniform', 'float64', [3]);
    const node = op.apply([new SharedVariable(start, new TensorType('int32', [4]))]);
    let st = start;
    for (let t = 0; t < 4; t++) {
      const [next, sample] = op.perform([st], node);
      expect(values(d!).slice(3 * t, 3 * t + 3)).toEqual(values(sample!));
      st = next!;
    }
    expect(values(s!)).toEqual(values(st));
  });

  it('shared variables updated at each step: the next step reads the new value, the update is the last', () => {
    const counter = shared(NDArray.from(5, 'float64'), 'counter');
    const [seen, updates] = scan({ fn: () => ({ outputs: mul(counter, 1), updates: [[counter, add(counter, 1)]] }), nSteps: 3 });
    const [s, u] = evaluate([seen, updates[0]![1]]);
    expect(values(s!)).toEqual([5, 6, 7]);
    expect(values(u!)).toEqual([8]);
    expect(updates[0]![0]).toBe(counter);
  });
});

describe('scan gradient (back-propagation through time as a scan)', () => {
  const rnn = (T = -1) => (xs: Variable, h0: Variable, W: Variable, U: Variable) =>
    scan({ fn: (x, h) => tanh(add(dot(x, W), dot(h, U))), sequences: xs, outputsInfo: h0, truncateGradient: T })[0];

  it('an RNN, with respect to its sequence, initial state and weights', () => {
    verifyGrad(rnn(), [f64([5, 3], 1), f64([2], 2), f64([3, 2], 3), f64([2, 2], 4, 0.5)]);
  });

  it('a two-tap recurrence, with respect to its initial rows and a non-sequence', () => {
    verifyGrad((init, a) => scan({ fn: (p, q) => tanh(add(mul(p, a), q)), outputsInfo: { initial: init, taps: [-2, -1] }, nSteps: 5 })[0], [f64([2, 3], 5), f64([3], 6)]);
  });

  it('sequence taps, goBackwards and an output that does not feed back', () => {
    const loop = (xs: Variable, w: Variable, z: Variable) => scan({
      fn: (prev, next, acc) => [mul(prev, next), tanh(add(mul(acc, w), next))],
      sequences: { input: xs, taps: [-1, 1] }, outputsInfo: [null, z], goBackwards: true, nonSequences: w,
    })[0];
    const points = [f64([6], 7), f64([], 8), f64([], 9)];
    verifyGrad((xs, w, z) => loop(xs!, w!, z!)[0]!, points);
    verifyGrad((xs, w, z) => loop(xs!, w!, z!)[1]!, points);
  });

  it('until: the gradient covers the steps run', () => {
    verifyGrad((x0, w) => scan({ fn: (x) => { const y = tanh(add(mul(x, w), 0.5)); return { outputs: y, until: gt(y, 0.7) }; }, outputsInfo: x0, nSteps: 10 })[0], [NDArray.from(0.1, 'float64'), NDArray.from(0.9, 'float64')]);
  });

  it('truncateGradient: only the last T steps, as the sum unrolled by hand with the state before them held constant', () => {
    const T = 2;
    const xs = tensor('float64', [5, 3], 'xs');
    const h0 = tensor('float64', [2], 'h0');
    const W = tensor('float64', [3, 2], 'W');
    const U = tensor('float64', [2, 2], 'U');
    const cost = sum(rnn(T)(xs, h0, W, U));
    const got = grad(cost, [xs, h0, W, U]);
    // By hand: the forward pass in full, the cost of only the last T steps, the state before them held constant.
    let h: Variable = h0;
    const hs: Variable[] = [];
    for (let t = 0; t < 5; t++) { h = tanh(add(dot(subtensor(xs, [t]), W), dot(t === 5 - T ? stopGradient(h) : h, U))); hs.push(h); }
    const want = grad(sum(stack(hs.slice(5 - T))), [xs, h0, W, U], { disconnected: 'zero' });
    const args = new Map<Variable, NDArray>([[xs, f64([5, 3], 1)], [h0, f64([2], 2)], [W, f64([3, 2], 3)], [U, f64([2, 2], 4)]]);
    const a = evaluate(got, args);
    const b = evaluate(want, args);
    a.forEach((g, k) => values(g).forEach((v, i) => expect(v, `input ${k} element ${i}`).toBeCloseTo(b[k]!.data[i]!, 12)));
    // Rows before the last T steps get nothing, and so does the initial state.
    expect(values(a[0]!).slice(0, 9).every((v) => v === 0)).toBe(true);
    expect(values(a[1]!).every((v) => v === 0)).toBe(true);
  });
});
