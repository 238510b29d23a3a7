import { describe, expect, it } from 'vitest';
import { NDArray, compile, matrix, scalar, dscalar, tensor, evaluate, type Variable } from '@hypatia/core';
import '@hypatia/backends';
import { add, mul } from '../elementwise/arithmetic.js';
import { RandomStreams, initialRandomState } from './streams.js';
import { philox4x32 } from './philox.js';

const values = (a: NDArray) => Array.from(a.data);
const draw = async (outputs: Variable[], inputs: Variable[] = [], args: NDArray[] = []) => (await compile({ inputs, outputs, backend: 'reference' }))(...args);

function moments(a: NDArray): { mean: number; variance: number } {
  let s = 0, s2 = 0;
  for (const x of a.data) { s += x; s2 += x * x; }
  const mean = s / a.size;
  return { mean, variance: s2 / a.size - mean * mean };
}

describe('RandomStreams', () => {
  it('derives each variable\'s key from the seed and its ordinal, counter at 0', () => {
    const seed = 2 ** 40 + 12345;
    const st = initialRandomState(seed, 3);
    const w = philox4x32(Uint32Array.of(3, 0, 0, 0), Uint32Array.of(12345, 256));
    expect(Array.from(st.data, (x) => x >>> 0)).toEqual([w[0], w[1], 0, 0]);
    const rs = new RandomStreams(seed);
    rs.uniform({ size: [2] });
    rs.normal({ size: [2] });
    expect(values(rs.states[1]!.get())).toEqual(values(initialRandomState(seed, 1)));
    expect(values(rs.states[0]!.get())).not.toEqual(values(rs.states[1]!.get()));
  });

  it('gives the same numbers from the same seed in separately compiled functions', async () => {
    const a = new RandomStreams(42).normal({ size: [3, 4] });
    const b = new RandomStreams(42).normal({ size: [3, 4] });
    const fa = await compile({ outputs: a, backend: 'reference' });
    const fb = await compile({ outputs: b, backend: 'reference' });
    const [a1, a2, b1, b2] = [await fa(), await fa(), await fb(), await fb()];
    expect(values(a1)).toEqual(values(b1));
    expect(values(a2)).toEqual(values(b2));
    const c = new RandomStreams(43).normal({ size: [3, 4] });
    expect(values((await draw([c]))[0]!)).not.toEqual(values(a1));
  });

  it('draws new numbers on every call, continuing the stream where the last call stopped', async () => {
    const rs = new RandomStreams(7);
    const u = rs.uniform({ size: [5] });
    const f = await compile({ outputs: u, backend: 'reference' });
    const first = await f(), second = await f();
    expect(values(first)).not.toEqual(values(second));
    expect(Array.from(rs.stateOf(u).get().data)).toEqual([...Array.from(initialRandomState(7, 0).data.slice(0, 2)), 10, 0]);
    // One draw of 10 is the two draws of 5 back to back.
    const long = new RandomStreams(7).uniform({ size: [10] });
    expect(values((await draw([long]))[0]!)).toEqual([...values(first), ...values(second)]);
  });

  it('rewinds when the state is set back, and seed() restarts every variable', async () => {
    const rs = new RandomStreams(3);
    const u = rs.uniform({ size: [4] });
    const z = rs.normal({ size: [2] });
    const f = await compile({ outputs: [u, z], backend: 'reference' });
    const saved = rs.stateOf(u).get().copy();
    const [u1, z1] = await f();
    rs.stateOf(u).set(saved);
    const [u2, z2] = await f();
    expect(values(u2!)).toEqual(values(u1!));
    expect(values(z2!)).not.toEqual(values(z1!));
    rs.seed(3);
    const [u3, z3] = await f();
    expect(values(u3!)).toEqual(values(u1!));
    expect(values(z3!)).toEqual(values(z1!));
    expect(() => rs.seed(-1)).toThrow(/seed -1/);
    expect(() => new RandomStreams(0.5)).toThrow(/seed 0.5/);
  });

  it('lets an explicit update override the default one', async () => {
    const rs = new RandomStreams(11);
    const u = rs.uniform({ size: [3] });
    const state = rs.stateOf(u);
    const before = values(state.get());
    const frozen = await compile({ outputs: u, updates: [[state, add(state, 0)]], backend: 'reference' });
    const a = await frozen(), b = await frozen();
    expect(values(a)).toEqual(values(b));
    expect(values(state.get())).toEqual(before);
    const moving = await compile({ outputs: u, backend: 'reference' });
    expect(values(await moving())).toEqual(values(a));
    expect(values(await moving())).not.toEqual(values(a));
  });

  it('updates() lists every state with its default update', () => {
    const rs = new RandomStreams(1);
    const u = rs.uniform({ size: [2] });
    const b = rs.binomial({ size: [2], p: 0.5 });
    const ups = rs.updates();
    expect(ups.map(([s]) => s)).toEqual([rs.stateOf(u), rs.stateOf(b)]);
    expect(ups[0]![1]).toBe(rs.stateOf(u).defaultUpdate);
    expect(() => rs.stateOf(matrix('m'))).toThrow(/not drawn from this stream/);
  });

  it('shapes a dropout mask like a layer output known only at run time', async () => {
    const x = matrix('x');
    const rs = new RandomStreams(5);
    const mask = rs.binomial({ size: x, p: 0.8, dtype: 'float32' });
    expect(mask.type.toString()).toBe('float32[?, ?]');
    const f = await compile({ inputs: [x], outputs: [mul(x, mask)], backend: 'reference' });
    const [y] = await f(NDArray.from([[1, 2, 3], [4, 5, 6]], 'float32'));
    expect(y!.shape).toEqual([2, 3]);
    values(y!).forEach((v, i) => expect([0, i + 1]).toContain(v));
    const [y2] = await f(NDArray.zeros('float32', [7, 1]));
    expect(y2!.shape).toEqual([7, 1]);
    expect(Array.from(rs.stateOf(mask).get().data.slice(2))).toEqual([6 + 7, 0]);
  });

  it('uniform and normal take tensor parameters and keep the requested dtype', async () => {
    const lo = dscalar('lo');
    const rs = new RandomStreams(9);
    const u = rs.uniform({ size: [1000], low: lo, high: add(lo, 2), dtype: 'float32' });
    const z = rs.normal({ size: [1000], mean: 10, std: 0.5, dtype: 'float64' });
    expect(u.dtype).toBe('float32');
    expect(z.dtype).toBe('float64');
    const [uv, zv] = await draw([u, z], [lo], [NDArray.from(-5)]);
    expect(Math.min(...uv!.data)).toBeGreaterThanOrEqual(-5);
    expect(Math.max(...uv!.data)).toBeLessThanOrEqual(-3);
    expect(moments(zv!).mean).toBeCloseTo(10, 1);
    expect(rs.stateOf(u)).toBe(rs.states[0]);
    expect(rs.stateOf(z)).toBe(rs.states[1]);
  });

  it('has the right moments on 10^5 samples', async () => {
    const N = 100_000;
    const rs = new RandomStreams(2024);
    const outs = [
      rs.uniform({ size: [N] }), rs.uniform({ size: [N], dtype: 'float64' }),
      rs.normal({ size: [N] }), rs.normal({ size: [N], dtype: 'float64' }),
      rs.binomial({ size: [N], p: 0.3 }), rs.binomial({ size: [N / 4], n: 6, p: 0.4, dtype: 'float64' }),
    ];
    const [u32, u64, z32, z64, b1, b6] = evaluate(outs);
    // Tolerances are about six standard errors of each estimate.
    for (const u of [u32!, u64!]) {
      const m = moments(u);
      expect(Math.abs(m.mean - 0.5)).toBeLessThan(0.006);
      expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(0.0015);
      expect(Math.min(...u.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...u.data)).toBeLessThan(1);
    }
    for (const z of [z32!, z64!]) {
      const m = moments(z);
      expect(Math.abs(m.mean)).toBeLessThan(0.02);
      expect(Math.abs(m.variance - 1)).toBeLessThan(0.03);
      const within = Array.from(z.data).filter((x) => Math.abs(x) < 1).length / N;
      expect(Math.abs(within - 0.6827)).toBeLessThan(0.009);
      expect(z.data.every((x) => Number.isFinite(x))).toBe(true);
    }
    expect(b1!.dtype).toBe('int32');
    expect(Math.abs(moments(b1!).mean - 0.3)).toBeLessThan(0.009);
    expect(b1!.data.every((x) => x === 0 || x === 1)).toBe(true);
    const m6 = moments(b6!);
    expect(Math.abs(m6.mean - 2.4)).toBeLessThan(0.05);
    expect(Math.abs(m6.variance - 1.44)).toBeLessThan(0.08);
    expect(b6!.data.every((x) => Number.isInteger(x) && x >= 0 && x <= 6)).toBe(true);
    // Different variables of one stream are not copies of each other.
    expect(values(u32!).slice(0, 10)).not.toEqual(values(b1!).slice(0, 10));
  });

  it('binomial takes p as a symbolic scalar', async () => {
    const p = scalar('p');
    const rs = new RandomStreams(8);
    const b = rs.binomial({ size: [2000], p, n: 2 });
    const f = await compile({ inputs: [p], outputs: b, backend: 'reference' });
    expect((await f(0)).data.every((x) => x === 0)).toBe(true);
    expect((await f(1)).data.every((x) => x === 2)).toBe(true);
    expect(Math.abs(moments(await f(0.5)).mean - 1)).toBeLessThan(0.1);
  });

  it('rejects bad arguments with a clear message', () => {
    const rs = new RandomStreams(1);
    expect(() => rs.binomial({ size: [2], p: 1.5 })).toThrow(/p = 1.5 is not a probability/);
    expect(() => rs.binomial({ size: [2], p: tensor('float32', [2]) })).toThrow(/random_binomial.*p must be a float32 scalar/s);
    expect(() => rs.uniform({ size: [2], dtype: 'int32' })).toThrow(/random_uniform: dtype int32/);
    expect(() => rs.normal({ size: [2, -3] })).toThrow(/random_normal: size \[2, -3\]/);
    expect(() => rs.binomial({ size: [2], p: 0.5, n: 5000 })).toThrow(/n = 5000/);
    // A failed construction leaves no state behind.
    expect(rs.states.length).toBe(0);
  });
});
