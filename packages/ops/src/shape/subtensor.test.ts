import { describe, expect, it } from 'vitest';
import { NDArray, TypeRuleError, compile, dmatrix, dvector, evaluate, fmatrix, iscalar, matrix, shared, tensor, vector, verifyGrad } from '@hypatia/core';
import { add, mul, sub } from '../elementwise/arithmetic.js';
import { subtensor, slice, sliceAxis, Subtensor } from './subtensor.js';
import '@hypatia/backends';

const range = (n: number) => NDArray.from(Array.from({ length: n }, (_, i) => i), 'float64');
const run = (v: ReturnType<typeof subtensor>, inputs: [ReturnType<typeof vector>, NDArray][]) => evaluate([v], new Map(inputs))[0]!;

describe('subtensor', () => {
  it('follows NumPy slice rules on a vector of 10', () => {
    const x = dvector('x');
    const cases: [Parameters<typeof slice>[1][0], number[]][] = [
      [[7, 2, -2], [7, 5, 3]],
      [[null, null, -1], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
      [[-3], [7, 8, 9]],
      [[null, -12], []],
      [[100], []],
      [[-100, 3], [0, 1, 2]],
      [[5, -100, -1], [5, 4, 3, 2, 1, 0]],
      [[null, null, 3], [0, 3, 6, 9]],
      [[-1, -4, -1], [9, 8, 7]],
      [[2, 2], []],
      [[8, 2], []],
      [[1, 8, 3], [1, 4, 7]],
    ];
    for (const [s, want] of cases) {
      const y = slice(x, [s]);
      expect(Array.from(run(y, [[x, range(10)]]).data), `x[${s}]`).toEqual(want);
    }
  });

  it('drops axes indexed by an integer, negative from the end', () => {
    const x = dmatrix('x');
    const v = NDArray.from([[1, 2, 3], [4, 5, 6]]);
    expect(run(subtensor(x, [1]), [[x, v]]).toArray()).toEqual([4, 5, 6]);
    expect(run(subtensor(x, [null, -1]), [[x, v]]).toArray()).toEqual([3, 6]);
    expect(run(subtensor(x, [-2, 2]), [[x, v]]).toArray()).toEqual(1 + 2);
    expect(run(subtensor(x, [[null, null, -1], [null, null, -2]]), [[x, v]]).toArray()).toEqual([[6, 4], [3, 1]]);
  });

  it('knows the static shape when bounds and lengths are known', () => {
    const x = tensor('float32', [10, null, 5], 'x');
    const i = iscalar('i');
    expect(subtensor(x, [[2, 8, 2]]).shape).toEqual([3, null, 5]);
    expect(subtensor(x, [[null, null, -1], [1, 4]]).shape).toEqual([10, null, 5]);
    expect(subtensor(x, [3, null, [1, null, 2]]).shape).toEqual([null, 2]);
    expect(subtensor(x, [[i, add(i, 2)]]).shape).toEqual([null, null, 5]);
    expect(subtensor(x, [null, [null, null, -1]]).shape).toEqual([10, null, 5]);
    expect(subtensor(x, [[-3]]).shape).toEqual([3, null, 5]);
  });

  it('slices a shared dataset by a symbolic minibatch index, copying only the minibatch', async () => {
    const data = NDArray.from(Array.from({ length: 7 }, (_, r) => [r, r * 10, r * 100, -r]), 'float32');
    const trainingX = shared(data, 'trainingX');
    const i = iscalar('i');
    const mb = 2;
    const batch = slice(trainingX, [[mul(i, mb), mul(add(i, 1), mb)]]);
    const f = await compile({ inputs: [i], outputs: [batch], backend: 'reference' });
    for (const k of [0, 1, 2, 3]) {
      const [b] = await f(k);
      const rows = Array.from({ length: 7 }, (_, r) => r).slice(k * mb, (k + 1) * mb);
      expect(b!.toArray()).toEqual(rows.map((r) => [r, r * 10, r * 100, -r]));
      b!.data[0] = 1234; // the result is a copy, not a view of the dataset
    }
    expect(trainingX.get().data[0]).toBe(0);
  });

  it('accepts symbolic steps and indices, checked at run time', async () => {
    const x = dvector('x');
    const s = iscalar('s');
    const k = iscalar('k');
    const f = await compile({ inputs: [x, s, k], outputs: [slice(x, [[null, null, s]]), subtensor(x, [k])], backend: 'reference' });
    const [a, b] = await f(range(6), -2, -1);
    expect(Array.from(a!.data)).toEqual([5, 3, 1]);
    expect(b!.item()).toBe(5);
    await expect(f(range(6), 0, 0)).rejects.toThrow(/subtensor: step on axis 0 is zero/);
    await expect(f(range(6), 1, 6)).rejects.toThrow(/subtensor: index 6 is out of bounds for axis 0 with size 6/);
  });

  it('sliceAxis slices one axis and keeps the others', () => {
    const x = dmatrix('x');
    const v = NDArray.from([[1, 2, 3], [4, 5, 6]]);
    expect(run(sliceAxis(x, -1, 1, undefined, 1), [[x, v]]).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(() => sliceAxis(x, 2, 0)).toThrow(/sliceAxis: axis 2 is out of range/);
  });

  it('is equal (CSE-able) for equal indices and prints them the NumPy way', () => {
    const x = matrix('x');
    const a = subtensor(x, [[1, null, -1], 0]);
    const b = subtensor(x, [[1, null, -1], 0]);
    expect(a.owner!.op.key()).toBe(b.owner!.op.key());
    expect(String(a.owner!.op)).toBe('subtensor[1::-1, 0]');
    expect(String(subtensor(x, [[iscalar('i'), 3]]).owner!.op)).toBe('subtensor[s0:3]');
  });

  it('gradients: steps, negative steps, integer indices, symbolic bounds', () => {
    const p = NDArray.from([[0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4], [-1, -2, -3, -4]]);
    verifyGrad((x) => subtensor(x, [[null, null, 2], [3, 0, -2]]), [p]);
    verifyGrad((x) => subtensor(x, [-1, [1, null]]), [p]);
    // Two overlapping slices of the same x: their gradients add up where they overlap.
    verifyGrad((x) => mul(slice(x, [[null, 2]]), slice(x, [[1, null, 1], [null, null, -1]])), [p]);
    const start = shared(NDArray.from(1, 'int32'), 'start');
    verifyGrad((x) => slice(x, [[start, add(start, 2)], [null, null, -1]]), [p]);
  });

  it('rejects bad indices when the graph is built, naming the op', () => {
    const x = tensor('float32', [4, null], 'x');
    expect(() => subtensor(x, [4])).toThrow(TypeRuleError);
    expect(() => subtensor(x, [4])).toThrow(/subtensor: index 4 is out of bounds for axis 0 with size 4/);
    expect(() => subtensor(x, [-5])).toThrow(/out of bounds/);
    expect(() => subtensor(x, [0, 0, 0])).toThrow(/subtensor: 3 indices given for a tensor of 2 dimensions/);
    // Builder errors, like type-rule errors, point at the user's line.
    expect(() => subtensor(x, [0, 0, 0])).toThrow(/node built at .*subtensor\.test\.ts:\d+/);
    expect(() => slice(x, [[0, 4, 0]])).toThrow(/subtensor: step on axis 0 must not be zero/);
    expect(() => slice(x, [[0.5]])).toThrow(/subtensor: start on axis 0 0.5 is not an integer/);
    expect(() => slice(x, [[vector('v') as never]])).toThrow(/must be an int32 scalar/);
    expect(() => slice(x, [[fmatrix('m') as never]])).toThrow(/int32 scalar/);
    expect(() => new Subtensor([{ kind: 'index', at: { input: 0 } }]).call(x)).toThrow(/subtensor: the indices refer to 1 scalar operands but 0 were given/);
  });

  it('runs the same on a compiled graph with rewrites', async () => {
    const x = dmatrix('x');
    const i = iscalar('i');
    const y = sub(slice(x, [[i, null], [null, null, -1]]), 1);
    const f = await compile({ inputs: [x, i], outputs: [y], backend: 'reference' });
    const v = NDArray.from([[1, 2], [3, 4], [5, 6]]);
    expect((await f(v, 1))[0]!.toArray()).toEqual([[3, 2], [5, 4]]);
  });
});
