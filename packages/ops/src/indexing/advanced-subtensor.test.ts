import { describe, expect, it } from 'vitest';
import { NDArray, TypeRuleError, compile, constant, dmatrix, evaluate, grad, ivector, imatrix, matrix, tensor, vector, verifyGrad, type Variable } from '@hypatia/core';
import { log, mul, neg } from '../elementwise/arithmetic.js';
import { mean } from '../reduce/index.js';
import { arange, shapeOf } from '../creation/index.js';
import { advancedIndex, take, AdvancedSubtensor } from './advanced-subtensor.js';
import '@hypatia/backends';

const ev = (v: Variable, pairs: [Variable, NDArray][] = []) => evaluate([v], new Map(pairs))[0]!;
const M = () => NDArray.from([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
const ints = (a: unknown) => NDArray.from(a as number[], 'int32');

describe('advancedIndex', () => {
  it('picks p[rows[k], cols[k]] as network3 does', () => {
    const p = dmatrix('p');
    const rows = ivector('rows');
    const y = ivector('y');
    const out = advancedIndex(p, [rows, y]);
    expect(out.shape).toEqual([null]);
    expect(Array.from(ev(out, [[p, M()], [rows, ints([0, 1, 2, 3])], [y, ints([2, 0, 1, 1])]]).data)).toEqual([3, 4, 8, 11]);
  });

  it('broadcasts the index arrays, keeps trailing axes, and wraps negatives', () => {
    const x = dmatrix('x');
    const r = tensor('int32', [null, 1], 'r');
    const c = ivector('c');
    const out = advancedIndex(x, [r, c]);
    expect(out.shape).toEqual([null, null]);
    expect(ev(out, [[x, M()], [r, ints([[0], [-1]])], [c, ints([0, 2])]]).toArray()).toEqual([[1, 3], [10, 12]]);
    expect(ev(advancedIndex(x, [[3, 0, 3]]), [[x, M()]]).toArray()).toEqual([[10, 11, 12], [1, 2, 3], [10, 11, 12]]);
    const t = tensor('float64', [2, 3, 2], 't');
    const tv = NDArray.from([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
    expect(advancedIndex(t, [[2, 0], [1, 1]], 1).shape).toEqual([2, 2]);
    expect(ev(advancedIndex(t, [[2, 0], [1, 1]], 1), [[t, tv]]).toArray()).toEqual([[6, 2], [12, 8]]);
  });

  it('the negative log-likelihood of network3 and its gradient', async () => {
    const p = matrix('p');
    const y = ivector('y');
    const rows = ivector('rows');
    const cost = neg(mean(advancedIndex(log(p), [rows, y])));
    const gp = grad(cost, p);
    const f = await compile({ inputs: [p, y, rows], outputs: [cost, gp], backend: 'reference' });
    const pv = NDArray.from([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]], 'float32');
    const [c, g] = await f(pv, ints([1, 0]), ints([0, 1]));
    expect(c!.item()).toBeCloseTo(-(Math.log(0.5) + Math.log(0.6)) / 2, 5);
    expect(Array.from(g!.data).map((v) => +v.toFixed(5))).toEqual([0, -1 / (2 * 0.5), 0, -1 / (2 * 0.6), 0, 0].map((v) => +v.toFixed(5)));
  });

  it("network3's exact expression: T.log(p)[T.arange(y.shape[0]), y]", async () => {
    const p = matrix('p');
    const y = ivector('y');
    const cost = neg(mean(advancedIndex(log(p), [arange(shapeOf(y, 0)), y])));
    const f = await compile({ inputs: [p, y], outputs: [cost, grad(cost, p)], backend: 'reference' });
    const pv = NDArray.from([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]], 'float32');
    const [c, g] = await f(pv, ints([1, 0, 2]));
    expect(c!.item()).toBeCloseTo(-(Math.log(0.5) + Math.log(0.6) + Math.log(0.8)) / 3, 5);
    expect(g!.data[1]).toBeCloseTo(-1 / (3 * 0.5), 5);
    expect(g!.data[0]).toBe(0);
  });

  it('reports an out-of-range index with the op, the index and the bound', async () => {
    const p = dmatrix('p');
    const c = ivector('c');
    const f = await compile({ inputs: [p, c], outputs: [advancedIndex(p, [[0, 1], c])], backend: 'reference' });
    await expect(f(M(), ints([1, 3]))).rejects.toThrow(/advanced_subtensor: index 3 is out of bounds for axis 1 with size 3 \(index array 1, position 1\)/);
    await expect(f(M(), ints([-4, 0]))).rejects.toThrow(/index -4 is out of bounds for axis 1 with size 3/);
    await expect(f(M(), ints([0, 1, 2]))).rejects.toThrow(/advanced_subtensor: the index arrays do not broadcast together/);
  });

  it('rejects bad index types and counts when the graph is built', () => {
    const x = matrix('x');
    expect(() => advancedIndex(x, [vector('f')])).toThrow(TypeRuleError);
    expect(() => advancedIndex(x, [vector('f')])).toThrow(/advanced_subtensor: index array 0 must be int32, got float32\[\?\]/);
    expect(() => advancedIndex(x, [[0], [0], [0]])).toThrow(/advanced_subtensor: 3 index array\(s\) from axis 0 do not fit a tensor of 2 dimensions/);
    expect(() => advancedIndex(x, [])).toThrow(/needs at least one index array/);
    expect(() => advancedIndex(x, [tensor('int32', [2], 'a'), tensor('int32', [3], 'b')])).toThrow(/do not broadcast together/);
    expect(() => advancedIndex(x, [[0.5]])).toThrow(/advancedIndex: index values must be integers/);
    expect(() => advancedIndex(x, [NDArray.from([1])])).toThrow(/advancedIndex: index arrays must be int32, got float64/);
  });

  it('gradients accumulate repeated picks', () => {
    const xv = NDArray.from([[0.5, -1, 2], [1, 2, 3], [0.3, 0.2, -0.7]]);
    verifyGrad((x) => advancedIndex(x, [[0, 2, 0, 0], [1, 1, 1, 2]]), [xv]);
    verifyGrad((x) => advancedIndex(x, [[[0], [2]], [1, 1, -1]]), [xv]);
    // x used twice through overlapping picks: both contributions reach the same rows.
    verifyGrad((x) => mul(advancedIndex(x, [[1, 1, 2]]), advancedIndex(x, [[2, 2, 0]])), [xv]);
  });

  it('ops on the same axis are equal (CSE), on different axes not', () => {
    const x = matrix('x');
    const i = constant([0, 1], 'int32');
    expect(advancedIndex(x, [i]).owner!.op.key()).toBe(take(x, i, 0).owner!.op.key());
    expect(advancedIndex(x, [i], 1).owner!.op.key()).not.toBe(new AdvancedSubtensor(0).key());
  });
});

describe('take', () => {
  it('gathers along an axis with index arrays of any rank', () => {
    const x = dmatrix('x');
    expect(take(x, [[2, 0], [1, 1]], 1).shape).toEqual([null, 2, 2]);
    expect(ev(take(x, [[2, 0], [1, 1]], 1), [[x, M()]]).toArray()).toEqual([[[3, 1], [2, 2]], [[6, 4], [5, 5]], [[9, 7], [8, 8]], [[12, 10], [11, 11]]]);
    expect(ev(take(x, [3, 3], -2), [[x, M()]]).toArray()).toEqual([[10, 11, 12], [10, 11, 12]]);
    expect(ev(take(x, 1, 0), [[x, M()]]).toArray()).toEqual([4, 5, 6]);
    // No axis: the flattened tensor, as NumPy.
    expect(ev(take(x, [0, 11, 5]), [[x, M()]]).toArray()).toEqual([1, 12, 6]);
  });

  it('is an embedding lookup with a correct gradient for repeated words', () => {
    const table = NDArray.from([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]);
    verifyGrad((w) => take(w, [[0, 2], [2, 2]], 0), [table]);
    verifyGrad((w) => take(w, [1, 1, 0], 1), [table]);
    verifyGrad((w) => take(w, [5, 0, 5]), [table]);
  });

  it('errors name take and the bound', async () => {
    const x = dmatrix('x');
    expect(() => take(x, [0], 2)).toThrow(/take: axis 2 is out of range for 2 dimensions/);
    const i = imatrix('i');
    const f = await compile({ inputs: [x, i], outputs: [take(x, i, 0)], backend: 'reference' });
    await expect(f(M(), ints([[0, 4]]))).rejects.toThrow(/advanced_subtensor: index 4 is out of bounds for axis 0 with size 4/);
  });
});
