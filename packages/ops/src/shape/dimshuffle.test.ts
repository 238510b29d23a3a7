import { describe, expect, it } from 'vitest';
import { NDArray, TypeRuleError, evaluate, tensor, vector, verifyGrad, type Variable } from '@hypatia/core';
import { add } from '../elementwise/arithmetic.js';
import { DimShuffle, dimshuffle, transpose } from './dimshuffle.js';

const ev = (v: Variable, x: Variable, a: NDArray) => evaluate([v], new Map([[x, a]]))[0]!;

describe('dimshuffle', () => {
  it("turns a bias vector into a broadcastable 4-d tensor: b.dimshuffle('x', 0, 'x', 'x')", () => {
    const b = vector('b', 'float64');
    const b4 = dimshuffle(b, 'x', 0, 'x', 'x');
    expect(b4.shape).toEqual([1, null, 1, 1]);
    const out = ev(b4, b, NDArray.from([1, 2, 3]));
    expect(out.shape).toEqual([1, 3, 1, 1]);
    expect(Array.from(out.data)).toEqual([1, 2, 3]);
    // ...and it broadcasts against a conv output [batch, channels, h, w].
    const conv = tensor('float64', [2, 3, 1, 2], 'conv');
    const sum = evaluate([add(conv, b4)], new Map<Variable, NDArray>([[conv, NDArray.zeros('float64', [2, 3, 1, 2])], [b, NDArray.from([1, 2, 3])]]))[0]!;
    expect(Array.from(sum.data)).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
  });

  it('permutes, and drops broadcastable axes', () => {
    const x = tensor('float64', [2, 1, 3], 'x');
    const xv = NDArray.from([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(dimshuffle(x, 2, 0).shape).toEqual([3, 2]);
    expect(ev(dimshuffle(x, 2, 0), x, xv).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(ev(dimshuffle(x, [0, 'x', 2]), x, xv).toArray()).toEqual([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(dimshuffle(x, 0, 1, 2)).toBe(x);
  });

  it('transpose reverses or permutes axes', () => {
    const x = tensor('float64', [2, null, 4], 'x');
    expect(transpose(x).shape).toEqual([4, null, 2]);
    expect(transpose(x, [1, -1, 0]).shape).toEqual([null, 4, 2]);
    const m = tensor('float64', [2, 3], 'm');
    expect(ev(transpose(m), m, NDArray.from([[1, 2, 3], [4, 5, 6]])).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  it('gradients', () => {
    const p = NDArray.from([[[1, 2, 3]], [[4, 5, 6]]]);
    verifyGrad((x) => dimshuffle(x, 2, 'x', 0), [p]);
    verifyGrad((x) => dimshuffle(x, 'x', 0, 'x', 'x'), [NDArray.from([0.5, -1, 2])]);
    verifyGrad((x) => transpose(x, [1, 2, 0]), [p]);
  });

  it('errors name dimshuffle and the pattern', () => {
    const x = tensor('float32', [null, 3], 'x');
    expect(() => dimshuffle(x, 0)).toThrow(TypeRuleError);
    expect(() => dimshuffle(x, 0)).toThrow(/dimshuffle: pattern \[0\] drops axis 1, which is not broadcastable \(length 3\)/);
    expect(() => dimshuffle(x, 0, 0)).toThrow(/dimshuffle: pattern \[0, 0\] repeats an axis/);
    expect(() => dimshuffle(x, 0, 2)).toThrow(/names axis 2, out of range/);
    expect(() => new DimShuffle([0], 1).call(x)).toThrow(/dimshuffle: pattern expects 1 dimensions, got 2/);
  });
});
