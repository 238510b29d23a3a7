import { describe, expect, it } from 'vitest';
import { Constant, NDArray, evaluate, iscalar, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { arange, ARange } from './arange.js';
import { shapeOf } from './shape-of.js';
import { mul } from '../elementwise/arithmetic.js';

const run = (out: Variable, feeds: [Variable, NDArray][] = []) => evaluate([out], new Map(feeds))[0]!;

describe('arange', () => {
  it('with numbers is a constant of static length, as NumPy counts it', () => {
    const a = arange(5);
    expect(a).toBeInstanceOf(Constant);
    expect(a.type.toString()).toBe('int32[5]');
    expect(Array.from(run(a).data)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(run(arange(2, 9, 3)).data)).toEqual([2, 5, 8]);
    expect(Array.from(run(arange(5, 0, -2)).data)).toEqual([5, 3, 1]);
    expect(arange(3, 1).type.toString()).toBe('int32[0]');
    const f = arange(0, 1, 0.25);
    expect(f.type.toString()).toBe('float32[4]');
    expect(Array.from(run(f).data)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(0, 1, 0.1).type.shape).toEqual([10]);
    expect(arange(0, 3, 1, 'float64').dtype).toBe('float64');
  });

  it('with a variable bound is a node of unknown length (network3: arange(y.shape[0]))', () => {
    const y = tensor('int32', [null], 'y');
    const r = arange(shapeOf(y, 0));
    expect(r.owner!.op).toBeInstanceOf(ARange);
    expect(r.type.toString()).toBe('int32[?]');
    expect(Array.from(run(r, [[y, NDArray.from([7, 7, 7], 'int32')]]).data)).toEqual([0, 1, 2]);
    const n = iscalar('n');
    expect(Array.from(run(arange(1, n, 2), [[n, NDArray.from(8, 'int32')]]).data)).toEqual([1, 3, 5, 7]);
    expect(run(arange(n), [[n, NDArray.from(-2, 'int32')]]).shape).toEqual([0]);
  });

  it('takes its dtype from float bounds', () => {
    const s = tensor('float64', [], 's');
    const r = arange(s, 2, 0.5);
    expect(r.dtype).toBe('float64');
    expect(Array.from(run(r, [[s, NDArray.from(0.5)]]).data)).toEqual([0.5, 1, 1.5]);
    expect(arange(iscalar('n'), 4, 0.5).dtype).toBe('float32');
  });

  it('differentiates with respect to float start and step', () => {
    // two-sided differences never cross a length change at these points
    verifyGrad((start, step) => mul(arange(start, 3.7, step), arange(start, 3.7, step)), [NDArray.from(0.2), NDArray.from(0.9)]);
    verifyGrad((stop) => arange(0.5, stop, 1, 'float64'), [NDArray.from(4.3)]);
  });

  it('refuses a zero step, non-finite bounds and non-scalar bounds', () => {
    expect(() => arange(0, 5, 0)).toThrow(/arange: needs finite bounds and a non-zero step/);
    expect(() => arange(0, Infinity)).toThrow(/non-zero step/);
    const n = iscalar('n');
    expect(() => run(arange(0, 4, n), [[n, NDArray.from(0, 'int32')]])).toThrow(/arange: needs finite bounds and a non-zero step.*\n.*arange\.test\.ts:\d+/);
    expect(() => arange(tensor('int32', [null], 'v'))).toThrow(/arange: stop must be a scalar, got int32\[\?\].*arange\.test\.ts:\d+/s);
  });
});
