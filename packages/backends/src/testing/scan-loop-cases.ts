import { expect, it } from 'vitest';
import { NDArray, compile, evaluate, grad, iscalar, mulberry32, scalar, tensor, vector, type Variable } from '@hypatia/core';
import { add, concatenate, dot, gt, ifelse, mul, scan, sub, subtensor, sum, tanh, RandomStreams } from '@hypatia/ops';

/**
 * The loop cases every backend that runs a scan inside its replayed plan passes: a loop and its
 * gradient replayed in one call, taps and goBackwards, until, a random stream, ifelse and a loop in
 * a loop, each against the reference semantics. A backend's test file calls this inside its
 * describe and adds the cases only it has.
 */
export interface ScanLoopSpec {
  /** compile()'s backend and options (replay on unless asked). */
  options: (replay?: boolean) => Record<string, unknown>;
  /** How the backend names one replayed call ("one native call"). */
  oneCall: string;
  /** The language the loop's stop is decided in ("C"). */
  language: string;
  /** What describe() says of the loop node and of the replay. */
  loopDescribed: RegExp;
  replayDescribed: RegExp;
}

/** A compiled function's replay counters. */
export const stats = (f: { executable: unknown }) => (f.executable as { stats: { replayed: number; recorded: number; checksFailed: number } }).stats;
/** Uniform values in [-1, 1) from a seed. */
export const rand = (shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): NDArray => {
  const rng = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = rng() * 2 - 1;
  return a;
};

/** The reference semantics of `outputs` at `args`, and their values from `f`. */
export async function againstReference(f: (...a: NDArray[]) => Promise<NDArray[]>, inputs: readonly Variable[], outputs: readonly Variable[], args: readonly NDArray[], digits = 5) {
  const want = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
  const got = await f(...args);
  got.forEach((g, k) => {
    expect(g.shape, `output ${k}`).toEqual(want[k]!.shape);
    Array.from(g.data).forEach((v, i) => expect(v, `output ${k} element ${i}`).toBeCloseTo(want[k]!.data[i]!, digits));
  });
}

export function scanLoopCases(spec: ScanLoopSpec): void {
  it(`an RNN and its gradient: the replay is ${spec.oneCall}, every step inside it`, async () => {
    const xs = tensor('float32', [null, 3], 'xs');
    const h0 = vector('h0');
    const W = tensor('float32', [3, 4], 'W');
    const U = tensor('float32', [4, 4], 'U');
    const [hs] = scan({ fn: (x, h) => tanh(add(dot(x, W), dot(h, U))), sequences: xs, outputsInfo: h0 });
    const cost = sum(hs);
    const outputs = [hs, ...grad(cost, [W, U, h0, xs])];
    const inputs = [xs, h0, W, U];
    const f = await compile({ inputs, outputs, ...spec.options() });
    for (const [t, seed] of [[6, 1], [6, 2], [9, 3], [6, 4]] as const) {
      await againstReference(f, inputs, outputs, [rand([t, 3], seed), rand([4], seed + 10), rand([3, 4], seed + 20), rand([4, 4], seed + 30)]);
    }
    // Two lengths, two recordings; the other calls replayed.
    expect(stats(f)).toEqual({ replayed: 2, recorded: 2, checksFailed: 0 });
    const text = f.executable.describe();
    expect(text).toMatch(spec.loopDescribed);
    expect(text).toMatch(spec.replayDescribed);
    expect(f.executable.hostOps).toEqual([]);
  });

  it('taps, goBackwards, an output that does not feed back and a shared variable updated at each step', async () => {
    const xs = vector('xs');
    const init = tensor('float32', [2], 'init');
    const [[fib, prods]] = scan({
      fn: (prev, next, a, b) => [add(a, b), mul(prev, next)],
      sequences: { input: xs, taps: [-1, 1] }, outputsInfo: [{ initial: init, taps: [-2, -1] }, null], goBackwards: true,
    });
    const inputs = [xs, init];
    const outputs = [fib!, prods!];
    const f = await compile({ inputs, outputs, ...spec.options() });
    for (let s = 0; s < 3; s++) await againstReference(f, inputs, outputs, [rand([7], s), NDArray.from([1, 2 + s], 'float32')]);
    expect(stats(f).replayed).toBe(2);
  });

  it(`until: a replay that stops at another step goes back to JS for its new shapes; a loop read only at its end follows the stop in ${spec.language}`, async () => {
    const x0 = scalar('x0');
    const limit = scalar('limit');
    const [xs] = scan({ fn: (x) => { const y = mul(x, 2); return { outputs: y, until: gt(y, limit) }; }, outputsInfo: x0, nSteps: 30 });
    const f = await compile({ inputs: [x0, limit], outputs: [xs], ...spec.options() });
    const [a] = await f(NDArray.from(1, 'float32'), NDArray.from(20, 'float32'));
    expect(Array.from(a!.data)).toEqual([2, 4, 8, 16, 32]);
    const [b] = await f(NDArray.from(3, 'float32'), NDArray.from(20, 'float32'));
    expect(Array.from(b!.data)).toEqual([6, 12, 24]);
    // Read only at its last step, the loop keeps a ring and its stop decides the value in the compiled code.
    const last = await compile({ inputs: [x0, limit], outputs: [subtensor(xs, [-1])], ...spec.options() });
    for (const [start, lim, want] of [[1, 20, 32], [3, 20, 24], [1, 1000, 1024], [5, 1, 10]] as const) {
      const [r] = await last(NDArray.from(start, 'float32'), NDArray.from(lim, 'float32'));
      expect(r!.item()).toBe(want);
    }
    expect(stats(last).replayed).toBe(3);
  });

  it('a random stream inside: the same draws as the reference, bit for bit, and the state advanced by the whole loop', async () => {
    const rs = new RandomStreams(7);
    const n = iscalar('n');
    const [draws, updates] = scan({ fn: (acc) => add(acc, rs.normal({ size: [3] })), outputsInfo: tensor('float32', [3], 'acc0'), nSteps: n });
    const acc0 = draws.owner!.inputs.find((v) => v.name === 'acc0')!;
    const [state, next] = updates[0]!;
    const start = state.get();
    const f = await compile({ inputs: [acc0, n], outputs: [draws], updates, ...spec.options() });
    const want = evaluate([draws, next], new Map<Variable, NDArray>([[acc0, NDArray.zeros('float32', [3])], [n, NDArray.from(5, 'int32')]]));
    const [got] = await f(NDArray.zeros('float32', [3]), 5);
    expect(Array.from(got!.data)).toEqual(Array.from(want[0]!.data));
    expect(Array.from(state.get().data)).toEqual(Array.from(want[1]!.data));
    expect(Array.from(state.get().data)).not.toEqual(Array.from(start.data));
    // A replayed call continues the stream.
    const before = state.get();
    const again = evaluate([draws, next], new Map<Variable, NDArray>([[acc0, NDArray.zeros('float32', [3])], [n, NDArray.from(5, 'int32')]]));
    const [got2] = await f(NDArray.zeros('float32', [3]), 5);
    expect(Array.from(got2!.data)).toEqual(Array.from(again[0]!.data));
    expect(Array.from(state.get().data)).not.toEqual(Array.from(before.data));
    expect(stats(f).replayed).toBe(1);
  });

  it(`ifelse: only the branch taken runs; each branch replays in ${spec.oneCall}`, async () => {
    const c = scalar('c', 'bool');
    const x = vector('x');
    const out = ifelse(c, tanh(mul(x, 3)), add(subtensor(x, [5]), x));
    const f = await compile({ inputs: [c, x], outputs: [out], ...spec.options() });
    const short = NDArray.from([0.1, 0.2, 0.3], 'float32');
    for (let s = 0; s < 3; s++) {
      const [r] = await f(true, short);
      expect(r!.data[2]).toBeCloseTo(Math.tanh(0.9), 6);
    }
    // The else branch indexes element 5: only evaluated when taken.
    await expect(f(false, short)).rejects.toThrow(/subtensor: index 5 is out of bounds/);
    const long = NDArray.from([1, 2, 3, 4, 5, 6], 'float32');
    for (let s = 0; s < 2; s++) expect(Array.from((await f(false, long))[0]!.data)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(Array.from((await f(true, short))[0]!.data).map((v) => +v.toFixed(5))).toEqual([0.1, 0.2, 0.3].map((v) => +Math.tanh(3 * v).toFixed(5)));
    expect(f.executable.describe()).toMatch(/: branch ifelse\{.*only the branch taken runs/);
    // One plan per branch; a replay whose condition went the other way fell back to the other plan.
    expect(stats(f)).toMatchObject({ recorded: 2, replayed: 4 });
  });

  it('a loop inside a loop', async () => {
    const xs = tensor('float32', [null, null], 'xs');
    const [rowSums] = scan({
      fn: (row) => scan({ fn: (v, acc) => add(acc, v), sequences: row, outputsInfo: sub(subtensor(row, [0]), subtensor(row, [0])) })[0],
      sequences: xs,
    });
    const f = await compile({ inputs: [xs], outputs: [rowSums], ...spec.options() });
    for (let s = 0; s < 2; s++) await againstReference(f, [xs], [rowSums], [rand([3, 4], s)]);
    expect(stats(f).replayed).toBe(1);
  });

  it("an output whose step has another shape than its initial state is scan's error, naming both shapes", async () => {
    const h0 = tensor('float32', [null], 'h0');
    const [hs] = scan({ fn: (h) => concatenate([h, NDArray.from([1], 'float32')]), outputsInfo: h0, nSteps: 3 });
    const f = await compile({ inputs: [h0], outputs: [hs], ...spec.options() });
    await expect(f(NDArray.from([1, 2], 'float32'))).rejects.toThrow(/scan: its output 0 has shape \[3\] at step 0, but \[2\] in its initial state; an output keeps its shape from step to step/);
  });

  it('the final value of an output that does not feed back, after 0 steps, is scan\'s error', async () => {
    const xs = vector('xs');
    const [ys] = scan({ fn: (x) => mul(x, 2), sequences: xs });
    const f = await compile({ inputs: [xs], outputs: [subtensor(ys, [-1])], ...spec.options() });
    expect((await f(NDArray.from([1, 2, 3], 'float32')))[0]!.item()).toBe(6);
    await expect(f(NDArray.from([], 'float32'))).rejects.toThrow(/scan: its output 0 does not feed back, so it has no final value after 0 steps/);
  });
}
