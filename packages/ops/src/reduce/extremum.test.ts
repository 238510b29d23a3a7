import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, grad, tensor, verifyGrad } from '@hypatia/core';
import { max, min } from './extremum.js';
import { sum } from './sum.js';
import { naiveReduce, sample } from './naive-reduce.js';
import { AXES, sweepAxes } from './sweep-axes.js';

describe('max and min', () => {
  for (const [name, f, ref] of [['max', max, Math.max], ['min', min, Math.min]] as const) {
    sweepAxes(name, f, (out, X, axes) => {
      expect([...out.data]).toEqual(naiveReduce(X, axes, (v) => ref(...v)));
    });

    it(`${name} gradient (no ties)`, () => {
      for (const axis of AXES) verifyGrad((x) => f(x, axis), [sample([2, 3, 4], 2)]);
      verifyGrad((x) => f(x, [0, 1], true), [sample([2, 3, 4], 3)]);
    });

    it(`${name} keeps int32 and propagates NaN`, () => {
      const i = tensor('int32', [null, null], 'i');
      const out = f(i, 1);
      expect(out.dtype).toBe('int32');
      const [v] = evaluate([out], new Map([[i, NDArray.from([[3, -7, 5], [-1, -2, -3]], 'int32')]]));
      expect([...v!.data]).toEqual(name === 'max' ? [5, -1] : [-7, -3]);
      const x = tensor('float64', [3], 'x');
      expect(evaluate([f(x)], new Map([[x, NDArray.from([1, NaN, 2])]]))[0]!.item()).toBeNaN();
    });
  }

  it('sends the gradient to every tied maximum, as Theano does', () => {
    const x = tensor('float64', [2, 3], 'x');
    const g = grad(sum(max(x, 1)), x);
    const [v] = evaluate([g], new Map([[x, NDArray.from([[1, 5, 5], [2, 0, 1]])]]));
    expect(v!.toArray()).toEqual([[0, 1, 1], [1, 0, 0]]);
  });

  it('rejects bad axes and empty reductions', () => {
    const x = tensor('float32', [2, 3], 'x');
    expect(() => max(x, 2)).toThrow(/max: axis 2 is out of range for 2 dimensions/);
    expect(() => min(x, [1, -1])).toThrow(/min: repeated axis/);
    const e = tensor('float32', [null, null], 'e');
    expect(() => evaluate([max(e, 1)], new Map([[e, NDArray.zeros('float32', [2, 0])]]))).toThrow(/max: cannot reduce over axis 1 of length 0/);
  });
});
