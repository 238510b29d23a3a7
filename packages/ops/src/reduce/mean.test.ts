import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, grad, tensor, verifyGrad, type Dim } from '@hypatia/core';
import { mean } from './mean.js';
import { Sum, sum } from './sum.js';
import { naiveReduce, sample } from './naive-reduce.js';

const AXES: (number | number[] | undefined)[] = [undefined, 0, -1, [0, 2], [1, 2], [2, 0, 1]];
const norm = (a: number | number[] | undefined) => (a === undefined ? [0, 1, 2] : [a].flat().map((x) => (x < 0 ? x + 3 : x)));

describe('mean', () => {
  for (const axis of AXES) {
    for (const keepdims of [false, true]) {
      it(`over ${JSON.stringify(axis)}, keepdims=${keepdims}, with unknown and known shapes`, () => {
        const X = sample([2, 3, 4], 1);
        const axes = norm(axis);
        const want = naiveReduce(X, axes, (v) => v.reduce((s, x) => s + x, 0) / v.length);
        const shape = X.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
        for (const declared of [[null, null, null], [2, 3, 4]] as Dim[][]) {
          const x = tensor('float64', declared, 'x');
          const [out] = evaluate([mean(x, axis, keepdims)], new Map([[x, X]]));
          expect(out!.shape).toEqual(shape);
          want.forEach((w, i) => expect(out!.data[i]).toBeCloseTo(w, 12));
        }
      });
    }
  }

  it('is a sum divided by a count, so rewrites see the sum', () => {
    const m = mean(tensor('float32', [null, 5], 'x'), 0);
    expect(m.owner!.op.name).toBe('div');
    expect(m.owner!.inputs[0]!.owner!.op).toBeInstanceOf(Sum);
  });

  it('averages integers and bools as float32', () => {
    const i = tensor('int32', [null], 'i');
    const m = mean(i);
    expect(m.dtype).toBe('float32');
    expect(evaluate([m], new Map([[i, NDArray.from([1, 2], 'int32')]]))[0]!.item()).toBe(1.5);
    const b = tensor('bool', [4], 'b');
    expect(evaluate([mean(b)], new Map([[b, NDArray.from([1, 0, 0, 0], 'bool')]]))[0]!.item()).toBe(0.25);
  });

  it('gradient', () => {
    for (const axis of AXES) verifyGrad((x) => mean(x, axis), [sample([2, 3, 4], 2)]);
    verifyGrad((x) => mean(x, 1, true), [sample([2, 3, 4], 3)]);
  });

  it('differentiates through the run-time count of unknown axes', () => {
    const x = tensor('float64', [null, 4], 'x');
    const g = grad(sum(mean(x, 0)), x);
    const [v] = evaluate([g], new Map([[x, sample([5, 4], 6)]]));
    expect([...v!.data].every((e) => Math.abs(e - 0.2) < 1e-15)).toBe(true);
  });

  it('rejects bad axes', () => {
    const x = tensor('float32', [2, 3], 'x');
    expect(() => mean(x, 2)).toThrow(/mean: axis 2 is out of range for 2 dimensions/);
    expect(() => mean(x, -3)).toThrow(/mean: axis -3 is out of range/);
    expect(() => mean(x, [0, -2])).toThrow(/mean: repeated axis in \[0, -2\]/);
    expect(() => mean(x, 0.5)).toThrow(/mean: axis 0.5 is out of range/);
  });
});
