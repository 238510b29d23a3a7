import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, grad, ivector, matrix, tensor, type Variable } from '@hypatia/core';
import { OneHot, oneHot } from './one-hot.js';
import { mul } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { kernelsDiffer } from '../testing/kernel-check.js';

const run = (out: Variable, feeds: [Variable, NDArray][]) => evaluate([out], new Map(feeds))[0]!;

describe('oneHot', () => {
  it('puts a 1 at each label, counting negative labels from the end', () => {
    const y = ivector('y');
    const out = oneHot(y, 3);
    expect(out.dtype).toBe('float32');
    expect(out.shape).toEqual([null, 3]);
    const got = run(out, [[y, NDArray.from([2, 0, -1], 'int32')]]);
    expect(got.shape).toEqual([3, 3]);
    expect(Array.from(got.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 1]);
  });

  it('keeps the labels\' shape and takes a dtype', () => {
    const y = tensor('int32', [2, null], 'y');
    const out = oneHot(y, 4, 'int32');
    expect(out.type.toString()).toBe('int32[2, ?, 4]');
    expect(Array.from(run(out, [[y, NDArray.from([[3], [1]], 'int32')]]).data)).toEqual([0, 0, 0, 1, 0, 1, 0, 0]);
  });

  it('refuses labels out of range at run time, and a class count or labels of the wrong kind when built', () => {
    const y = ivector('y');
    expect(() => run(oneHot(y, 3), [[y, NDArray.from([1, 3], 'int32')]])).toThrow(/one_hot: label 3 at position 1 is out of range for 3 classes/);
    expect(() => oneHot(y, 0)).toThrow(/oneHot: the class count must be a positive integer, got 0/);
    expect(() => oneHot(tensor('float32', [null], 'f'), 3)).toThrow(/one_hot: the labels must be int32/);
  });

  it('kernels give perform bit for bit and fail their check where perform raises', () => {
    const y = tensor('int32', [null, null], 'y');
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      const node = new OneHot(5, dtype).apply([y]);
      expect(kernelsDiffer(node, [NDArray.from([[4, -5, 0], [2, -1, 3]], 'int32')])).toBeNull();
      expect(kernelsDiffer(node, [NDArray.zeros('int32', [0, 3])])).toBeNull();
      expect(() => kernelsDiffer(node, [NDArray.from([[1, -6, 0]], 'int32')])).toThrow(/label -6 at position 1 is out of range for 5 classes/);
    }
  });

  it('is a constant to gradients: a cost through it differentiates the other factor only', () => {
    const p = matrix('p', 'float64');
    const y = ivector('y');
    const g = grad(sum(mul(p, oneHot(y, 3, 'float64'))), p);
    expect(Array.from(run(g, [[p, NDArray.zeros('float64', [2, 3])], [y, NDArray.from([1, 2], 'int32')]]).data)).toEqual([0, 1, 0, 0, 0, 1]);
  });
});
