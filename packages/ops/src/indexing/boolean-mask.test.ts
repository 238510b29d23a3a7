import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, grad, iscalar, matrix, tensor, vector, verifyGrad, type Variable } from '@hypatia/core';
import { booleanMask, flatnonzero } from './boolean-mask.js';
import { MaskPositions } from './mask-positions.js';
import { gt } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { mul } from '../elementwise/arithmetic.js';
import { kernelsDiffer } from '../testing/kernel-check.js';

const run = (outs: Variable[], feeds: [Variable, NDArray][]) => evaluate(outs, new Map(feeds));
const bools = (a: number[] | number[][]) => NDArray.from(a, 'bool');

describe('booleanMask (x[mask])', () => {
  const x = tensor('float32', [null, null, null], 'x');
  const xv = NDArray.from([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]], 'float32');

  it('a mask over the first axis keeps whole sub-arrays', () => {
    const mask = tensor('bool', [null], 'mask');
    const out = booleanMask(x, mask);
    expect(out.shape).toEqual([null, null, null]);
    const [got] = run([out], [[x, xv], [mask, bools([0, 1])]]);
    expect(got!.shape).toEqual([1, 3, 2]);
    expect(Array.from(got!.data)).toEqual([7, 8, 9, 10, 11, 12]);
  });

  it('a mask over the leading two axes gathers in row-major order; over all axes gives a vector', () => {
    const m2 = tensor('bool', [null, null], 'm2');
    const [two] = run([booleanMask(x, m2)], [[x, xv], [m2, bools([[1, 0, 1], [0, 0, 1]])]]);
    expect(two!.shape).toEqual([3, 2]);
    expect(Array.from(two!.data)).toEqual([1, 2, 5, 6, 11, 12]);
    const v = vector('v');
    const [pos] = run([booleanMask(v, gt(v, 0))], [[v, NDArray.from([-1, 2, 0, 3, NaN], 'float32')]]);
    expect(Array.from(pos!.data)).toEqual([2, 3]);
  });

  it('gives an empty axis when nothing is true', () => {
    const mask = tensor('bool', [null], 'mask');
    const [got] = run([booleanMask(x, mask)], [[x, xv], [mask, bools([0, 0])]]);
    expect(got!.shape).toEqual([0, 3, 2]);
  });

  it('refuses a mask whose shape is not the leading lengths, at build time and at run time', () => {
    const mask = tensor('bool', [null, null], 'mask');
    expect(() => run([booleanMask(x, mask)], [[x, xv], [mask, bools([[1, 0], [0, 1], [1, 1]])]]))
      .toThrow(/mask_positions: the mask's shape \[3, 2\] is not the indexed tensor's leading lengths \[2, 3\] \(shape \[2, 3, 2\]\)/);
    expect(() => booleanMask(tensor('float32', [2, 3], 'a'), tensor('bool', [3], 'm'))).toThrow(/the mask's axis 0 has length 3 but the indexed axis has 2/);
    expect(() => booleanMask(matrix('a'), matrix('m'))).toThrow(/booleanMask: the mask must be bool/);
    expect(() => booleanMask(vector('a'), tensor('bool', [null, null], 'm'))).toThrow(/booleanMask: a mask of 2 dimensions cannot index/);
  });

  it('differentiates: the gradient scatters back to the selected entries (float64 verifyGrad)', () => {
    const mask = bools([[1, 0, 1], [0, 1, 1]]);
    verifyGrad((a) => booleanMask(a!, mask), [NDArray.from([[1, 2, 3], [4, 5, 6]], 'float64')]);
    const a = tensor('float32', [null, null], 'a');
    const m = tensor('bool', [null], 'm');
    const [g] = run([grad(sum(mul(booleanMask(a, m), 2)), a)], [[a, NDArray.from([[1, 2], [3, 4], [5, 6]], 'float32')], [m, bools([1, 0, 1])]]);
    expect(Array.from(g!.data)).toEqual([2, 2, 0, 0, 2, 2]);
  });
});

describe('flatnonzero and MaskPositions', () => {
  it('flatnonzero: the positions of the nonzero entries, NaN counting as nonzero', () => {
    const a = matrix('a');
    const [got] = run([flatnonzero(a)], [[a, NDArray.from([[0, 1.5], [NaN, -0], [0, -2]], 'float32')]]);
    expect(Array.from(got!.data)).toEqual([1, 2, 5]);
  });

  it('refuses a count that is not the mask\'s, in perform and in its kernels\' check', () => {
    const mask = tensor('bool', [null], 'mask');
    const n = iscalar('n');
    const x = vector('x');
    const node = new MaskPositions().apply([mask, n, x]);
    const xv = NDArray.zeros('float32', [4]);
    expect(() => node.op.perform([bools([1, 0, 1, 1]), NDArray.from(2, 'int32'), xv], node)).toThrow(/mask_positions: the count 2 is not the number of true entries of the mask \(3\)/);
    expect(() => kernelsDiffer(node, [bools([1, 0, 1, 1]), NDArray.from(2, 'int32'), xv])).toThrow(/the count 2 is not the number of true entries of the mask \(3\)/);
    expect(() => kernelsDiffer(node, [bools([1, 0, 1, 1]), NDArray.from(5, 'int32'), xv])).toThrow(/the count 5 is not the number of true entries of the mask/);
  });

  it('kernels give perform bit for bit: masks of every density, empty masks', () => {
    const mask = tensor('bool', [null, null], 'mask');
    const n = iscalar('n');
    const x = tensor('float32', [null, null, null], 'x');
    const node = new MaskPositions().apply([mask, n, x]);
    const masks = [[[1, 0, 1], [0, 0, 1]], [[0, 0, 0], [0, 0, 0]], [[1, 1, 1], [1, 1, 1]], [[0, 1, 0], [1, 0, 0]]];
    for (const m of masks) {
      const mv = bools(m);
      const count = NDArray.from(Array.from(mv.data).reduce((s, v) => s + v, 0), 'int32');
      expect(kernelsDiffer(node, [mv, count, NDArray.zeros('float32', [2, 3, 4])])).toBeNull();
    }
    expect(kernelsDiffer(node, [NDArray.zeros('bool', [0, 3]), NDArray.from(0, 'int32'), NDArray.zeros('float32', [0, 3, 1])])).toBeNull();
  });
});
