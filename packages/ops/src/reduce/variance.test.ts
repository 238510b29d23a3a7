import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, tensor, verifyGrad, type Dim } from '@hypatia/core';
import { std, variance } from './variance.js';
import { naiveReduce, sample } from './naive-reduce.js';

const AXES: (number | number[] | undefined)[] = [undefined, 0, -1, [0, 2], [1, 2]];
const norm = (a: number | number[] | undefined) => (a === undefined ? [0, 1, 2] : [a].flat().map((x) => (x < 0 ? x + 3 : x)));
const naiveVar = (ddof: number) => (v: number[]) => {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - ddof);
};

describe('variance and std', () => {
  for (const axis of AXES) {
    for (const [keepdims, ddof] of [[false, 0], [true, 1]] as const) {
      it(`over ${JSON.stringify(axis)}, keepdims=${keepdims}, ddof=${ddof}, with unknown and known shapes`, () => {
        const X = sample([2, 3, 4], 1);
        const axes = norm(axis);
        const want = naiveReduce(X, axes, naiveVar(ddof));
        for (const declared of [[null, null, null], [2, 3, 4]] as Dim[][]) {
          const x = tensor('float64', declared, 'x');
          const [v, s] = evaluate([variance(x, axis, keepdims, ddof), std(x, axis, keepdims, ddof)], new Map([[x, X]]));
          expect(v!.shape).toEqual(X.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d])));
          want.forEach((w, i) => {
            expect(v!.data[i]).toBeCloseTo(w, 12);
            expect(s!.data[i]).toBeCloseTo(Math.sqrt(w), 12);
          });
        }
      });
    }
  }

  it('gradients', () => {
    for (const axis of AXES) {
      verifyGrad((x) => variance(x, axis), [sample([2, 3, 4], 2)]);
      verifyGrad((x) => std(x, axis, false, 1), [sample([2, 3, 4], 3)]);
    }
    verifyGrad((x) => variance(x, 1, true, 1), [sample([2, 3, 4], 4)]);
  });

  it('works on integers in float32', () => {
    const i = tensor('int32', [null], 'i');
    const v = variance(i);
    expect(v.dtype).toBe('float32');
    expect(evaluate([v], new Map([[i, NDArray.from([1, 2, 3, 4], 'int32')]]))[0]!.item()).toBeCloseTo(1.25, 6);
  });

  it('rejects bad axes and ddof', () => {
    const x = tensor('float32', [2, 3], 'x');
    expect(() => variance(x, 3)).toThrow(/variance: axis 3 is out of range for 2 dimensions/);
    expect(() => std(x, [0, -2])).toThrow(/variance: repeated axis/);
    expect(() => variance(x, 0, false, -1)).toThrow(/variance: ddof must be a non-negative integer/);
  });
});
