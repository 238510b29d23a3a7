import { describe, expect, it } from 'vitest';
import { DISCONNECTED, NDArray, SharedVariable, TensorType, evaluate, grad, tensor, constant, type DType, type Variable } from '@hypatia/core';
import { sum } from '../reduce/sum.js';
import { mul } from '../elementwise/arithmetic.js';
import { philox4x32 } from './philox.js';
import { RandomOp, type Distribution } from './random-op.js';

const stateOf = (...w: number[]) => new NDArray('int32', [4], Int32Array.from(w.map((x) => x | 0)));
const stateVar = (v: NDArray) => new SharedVariable(v, new TensorType('int32', [4]), 'state');

function run(op: RandomOp, state: NDArray, extra: NDArray[] = []): [NDArray, NDArray] {
  const ins: Variable[] = [stateVar(state), ...extra.map((e) => constant(e))];
  const node = op.apply(ins);
  return evaluate(node.outputs) as [NDArray, NDArray];
}

/** Words of element i straight from the spec in random-op.ts, for a state (k0, k1, lo, hi). */
function words(s: NDArray, i: number, block = 0): Uint32Array {
  const [k0, k1, lo, hi] = Array.from(s.data, (x) => x >>> 0) as number[];
  const c = lo! + i;
  return philox4x32(Uint32Array.of(c >>> 0, (hi! + Math.floor(c / 2 ** 32)) >>> 0, block, 0), Uint32Array.of(k0!, k1!));
}

describe('RandomOp', () => {
  const s0 = stateOf(0x12345678, 0x9abcdef0, 5, 0);

  it('uniform float32 is (w0 >>> 8) * 2^-24 of the element\'s Philox block', () => {
    const [, u] = run(new RandomOp('uniform', 'float32', [2, 3]), s0);
    expect(u.dtype).toBe('float32');
    expect(u.shape).toEqual([2, 3]);
    for (let i = 0; i < 6; i++) expect(u.data[i]).toBe((words(s0, i)[0]! >>> 8) / 2 ** 24);
  });

  it('uniform float64 takes 53 bits from w0 and w1', () => {
    const [, u] = run(new RandomOp('uniform', 'float64', [4]), s0);
    for (let i = 0; i < 4; i++) {
      const w = words(s0, i);
      expect(u.data[i]).toBe(((w[0]! >>> 5) * 2 ** 26 + (w[1]! >>> 6)) / 2 ** 53);
    }
  });

  it('normal is Box-Muller with u1 in (0, 1]', () => {
    const [, z] = run(new RandomOp('normal', 'float32', [5]), s0);
    const [, z64] = run(new RandomOp('normal', 'float64', [5]), s0);
    for (let i = 0; i < 5; i++) {
      const w = words(s0, i);
      const u1 = ((w[0]! >>> 8) + 1) / 2 ** 24, u2 = (w[1]! >>> 8) / 2 ** 24;
      expect(z.data[i]).toBe(Math.fround(Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)));
      const v1 = ((w[0]! >>> 5) * 2 ** 26 + (w[1]! >>> 6) + 1) / 2 ** 53, v2 = ((w[2]! >>> 5) * 2 ** 26 + (w[3]! >>> 6)) / 2 ** 53;
      expect(z64.data[i]).toBe(Math.sqrt(-2 * Math.log(v1)) * Math.cos(2 * Math.PI * v2));
    }
  });

  it('binomial counts uniforms below p, taking words 4.. from the next blocks', () => {
    const p = NDArray.from(0.45, 'float32');
    const [, b] = run(new RandomOp('binomial', 'int32', [6], 7), s0, [p]);
    for (let i = 0; i < 6; i++) {
      const ws = [...words(s0, i, 0), ...words(s0, i, 1)].slice(0, 7);
      expect(b.data[i]).toBe(ws.filter((w) => (w >>> 8) / 2 ** 24 < Math.fround(0.45)).length);
    }
    const [, m] = run(new RandomOp('binomial', 'bool', [6]), s0, [p]);
    for (let i = 0; i < 6; i++) expect(m.data[i]).toBe((words(s0, i)[0]! >>> 8) / 2 ** 24 < Math.fround(0.45) ? 1 : 0);
  });

  it('binomial with p = 0 and p = 1 gives 0 and n', () => {
    const op = new RandomOp('binomial', 'float32', [10], 3);
    expect(Array.from(run(op, s0, [NDArray.from(0, 'float32')])[1].data)).toEqual(new Array(10).fill(0));
    expect(Array.from(run(op, s0, [NDArray.from(1, 'float32')])[1].data)).toEqual(new Array(10).fill(3));
  });

  it('advances the 64-bit counter by the number of elements, carrying into the high word', () => {
    const near = stateOf(7, 8, 0xfffffffe, 3);
    const [next, u] = run(new RandomOp('uniform', 'float32', [2, 2]), near);
    expect(Array.from(next.data, (x) => x >>> 0)).toEqual([7, 8, 2, 4]);
    // Elements 2 and 3 use counter (0, 4) and (1, 4): the same words a state starting there draws.
    const [, after] = run(new RandomOp('uniform', 'float32', [2]), stateOf(7, 8, 0, 4));
    expect(Array.from(u.data.slice(2))).toEqual(Array.from(after.data));
    const wrap = run(new RandomOp('uniform', 'float32', [1]), stateOf(1, 2, 0xffffffff, 0xffffffff))[0];
    expect(Array.from(wrap.data)).toEqual([1, 2, 0, 0]);
  });

  it('takes its shape from a like input at run time', () => {
    const like = tensor('float32', [null, 3], 'x');
    const node = new RandomOp('uniform', 'float32', null).apply([stateVar(s0), like]);
    expect(node.outputs[1]!.type.toString()).toBe('float32[?, 3]');
    const [next, u] = evaluate(node.outputs, new Map([[like, NDArray.zeros('float32', [4, 3])]]));
    expect(u!.shape).toEqual([4, 3]);
    expect(next!.data[2]).toBe(5 + 12);
  });

  it('a size-0 draw leaves the counter alone', () => {
    const [next, u] = run(new RandomOp('normal', 'float64', [0, 3]), s0);
    expect(u.size).toBe(0);
    expect(Array.from(next.data)).toEqual(Array.from(s0.data));
  });

  it('is equal to another instance with the same properties', () => {
    expect(new RandomOp('binomial', 'int32', [3], 2).key()).toBe(new RandomOp('binomial', 'int32', [3], 2).key());
    expect(new RandomOp('uniform', 'float32', [3]).key()).not.toBe(new RandomOp('normal', 'float32', [3]).key());
  });

  it('has no gradient: a cost through a sample gives nothing to p', () => {
    const p = tensor('float32', [], 'p');
    const node = new RandomOp('binomial', 'float32', [3]).apply([stateVar(s0), p]);
    const cost = sum(mul(node.outputs[1]!, p));
    const gp = grad(cost, p);
    // Only the direct path (d cost / d p = sum of the mask) remains.
    const [g, mask] = evaluate([gp, node.outputs[1]!], new Map([[p, NDArray.from(0.5, 'float32')]]));
    expect(g!.item()).toBe(Array.from(mask!.data).reduce((a, b) => a + b, 0));
    expect(new RandomOp('uniform', 'float32', [2]).grad([p, p])).toStrictEqual([DISCONNECTED, DISCONNECTED]);
  });

  it('rejects bad dtypes, sizes, n, states and p with the op named', () => {
    const bad: [Distribution, DType, number[] | null, number][] = [
      ['uniform', 'int32', [2], 1], ['normal', 'bool', [2], 1], ['binomial', 'bool', [2], 2],
      ['uniform', 'float32', [2.5], 1], ['uniform', 'float32', [-1], 1], ['binomial', 'int32', [2], 0], ['binomial', 'int32', [2], 1.5],
    ];
    for (const [d, t, s, n] of bad) expect(() => new RandomOp(d, t, s, n)).toThrow(`random_${d}`);
    const u = new RandomOp('uniform', 'float32', [2]);
    expect(() => u.apply([tensor('float32', [4])])).toThrow(/random_uniform.*state must be int32\[4\]/s);
    expect(() => u.apply([tensor('int32', [5])])).toThrow(/random_uniform.*state must be int32\[4\]/s);
    expect(() => u.apply([tensor('int32', [4]), tensor('float32', [2])])).toThrow(/random_uniform.*takes 1 inputs/s);
    const b = new RandomOp('binomial', 'int32', [2]);
    expect(() => b.apply([tensor('int32', [4]), tensor('float64', [])])).toThrow(/random_binomial.*p must be a float32 scalar/s);
    expect(() => b.apply([tensor('int32', [4]), tensor('float32', [3])])).toThrow(/p must be a float32 scalar/);
    const loose = new RandomOp('uniform', 'float32', [2]).apply([tensor('int32', [null], 's')]);
    expect(() => evaluate(loose.outputs, new Map([[loose.inputs[0]!, NDArray.zeros('int32', [3])]]))).toThrow(/random_uniform.*state has 3 elements/s);
  });
});
