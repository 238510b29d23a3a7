import { describe, expect, it } from 'vitest';
import { Constant, NDArray, evaluate, grad, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { zeros, ones, full, zerosLike, onesLike, fullLike } from './fill.js';
import { add, mul } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';

const run = (out: Variable, feeds: [Variable, NDArray][] = []) => evaluate([out], new Map(feeds))[0]!;

describe('zeros, ones, full (static shapes)', () => {
  it('are constants of the given shape and dtype', () => {
    const z = zeros([2, 3]);
    expect(z).toBeInstanceOf(Constant);
    expect(z.type.toString()).toBe('float32[2, 3]');
    expect(Array.from(z.value.data)).toEqual([0, 0, 0, 0, 0, 0]);
    const o = ones(4, 'int32');
    expect(o.type.toString()).toBe('int32[4]');
    expect(Array.from(o.value.data)).toEqual([1, 1, 1, 1]);
    const f = full([2], 2.5, 'float64');
    expect(Array.from(f.value.data)).toEqual([2.5, 2.5]);
    expect(full([], true).type.toString()).toBe('bool[]');
    expect(zeros([0, 3]).value.size).toBe(0);
  });

  it('take part in arithmetic with their static shape', () => {
    const x = tensor('float32', [null, 3], 'x');
    const y = add(x, full([3], 1));
    expect(y.type.toString()).toBe('float32[?, 3]');
    expect(Array.from(run(y, [[x, NDArray.from([[1, 2, 3]], 'float32')]]).data)).toEqual([2, 3, 4]);
  });

  it('refuse shapes that are not non-negative integers', () => {
    expect(() => zeros([2, -1])).toThrow(/zeros: shape \[2, -1\] must hold non-negative integers/);
    expect(() => ones([1.5])).toThrow(/ones: shape/);
    expect(() => full([2, NaN], 0)).toThrow(/full: shape/);
  });
});

describe('zerosLike, onesLike, fullLike (run-time shapes)', () => {
  it('follow the run-time shape of their input', () => {
    const x = tensor('float64', [null, null], 'x');
    const xv = NDArray.from([[1, 2, 3], [4, 5, 6]]);
    for (const [f, v] of [[zerosLike(x), 0], [onesLike(x), 1], [fullLike(x, -7), -7]] as const) {
      const out = run(f, [[x, xv]]);
      expect(out.shape).toEqual([2, 3]);
      expect(out.dtype).toBe('float64');
      expect(Array.from(out.data)).toEqual(new Array(6).fill(v));
    }
  });

  it('take a dtype', () => {
    const x = tensor('float32', [null], 'x');
    expect(zerosLike(x, 'int32').dtype).toBe('int32');
    expect(onesLike(x, 'bool').dtype).toBe('bool');
    const f = fullLike(x, 3, 'float64');
    expect(Array.from(run(f, [[x, NDArray.from([0, 0], 'float32')]]).data)).toEqual([3, 3]);
  });

  it('distinguish fill values (NaN and Infinity are different ops)', () => {
    const x = tensor('float64', [null], 'x');
    const a = fullLike(x, NaN);
    const b = fullLike(x, Infinity);
    expect(a.owner!.op.key()).not.toBe(b.owner!.op.key());
    const xv = NDArray.from([1]);
    expect(Number.isNaN(run(a, [[x, xv]]).data[0])).toBe(true);
    expect(run(b, [[x, xv]]).data[0]).toBe(Infinity);
    expect(fullLike(x, 2).owner!.op.key()).toBe(fullLike(x, 2).owner!.op.key());
  });

  it('give no gradient to the shape source', () => {
    const x = tensor('float64', [null], 'x');
    const g = grad(sum(mul(x, onesLike(x))), x);
    expect(Array.from(run(g, [[x, NDArray.from([5, 6])]]).data)).toEqual([1, 1]);
    expect(() => grad(sum(zerosLike(x)), x)).toThrow(/does not depend/);
  });

  it('a variable fill value is broadcast and receives the summed gradient', () => {
    verifyGrad((x, v) => mul(fullLike(x, v), x), [NDArray.from([[1, 2], [3, 4]]), NDArray.from(0.5)]);
    const x = tensor('float64', [null, null], 'x');
    const v = tensor('float64', [], 'v');
    const g = grad(sum(fullLike(x, v)), v);
    expect(run(g, [[x, NDArray.zeros('float64', [2, 3])], [v, NDArray.from(1)]]).item()).toBe(6);
  });
});
