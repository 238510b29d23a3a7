import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, grad, tensor } from '@hypatia/core';
import { argmax, argmin } from './arg-extremum.js';
import { max } from './extremum.js';
import { sum } from './sum.js';
import { cast } from '../elementwise/arithmetic.js';
import { naiveReduce, sample } from './naive-reduce.js';
import { AXES, sweepAxes } from './sweep-axes.js';

const firstIndexOf = (pick: (...v: number[]) => number) => (v: number[]) => v.indexOf(pick(...v));

describe('argmax and argmin', () => {
  for (const [name, f, ref] of [['argmax', argmax, Math.max], ['argmin', argmin, Math.min]] as const) {
    sweepAxes(name, f, (out, X, axes, v) => {
      expect(v.dtype).toBe('int32');
      expect([...out.data]).toEqual(naiveReduce(X, axes, firstIndexOf(ref)));
    });
  }

  it('takes the first of ties and the first NaN, as NumPy', () => {
    const x = tensor('float64', [null, null], 'x');
    const X = NDArray.from([[1, 3, 3], [2, NaN, NaN], [NaN, 5, 1], [4, 4, 0]]);
    const [a, b] = evaluate([argmax(x, 1), argmin(x, 1)], new Map([[x, X]]));
    expect([...a!.data]).toEqual([1, 1, 0, 0]);
    expect([...b!.data]).toEqual([0, 1, 0, 2]);
  });

  it('works on int32 and bool', () => {
    const i = tensor('int32', [null], 'i');
    expect(evaluate([argmin(i)], new Map([[i, NDArray.from([4, -2, 7, -2], 'int32')]]))[0]!.item()).toBe(1);
    const b = tensor('bool', [null], 'b');
    expect(evaluate([argmax(b)], new Map([[b, NDArray.from([0, 0, 1], 'bool')]]))[0]!.item()).toBe(2);
  });

  it('has no gradient: the path through it is disconnected', () => {
    const x = tensor('float64', [3, 4], 'x');
    const cost = sum(cast(argmax(x, 1), 'float64'));
    expect(() => grad(cost, x)).toThrow(/disconnected|not part of|does not depend/i);
    const g = grad(sum(max(x, 1)), x);
    expect(g.type.toString()).toBe('float64[3, 4]');
    const z = grad(cost, x, { disconnected: 'zero' });
    expect([...evaluate([z], new Map([[x, sample([3, 4], 5)]]))[0]!.data].every((v) => v === 0)).toBe(true);
  });

  it('rejects bad axes and empty reductions', () => {
    const x = tensor('float32', [2, 3], 'x');
    expect(() => argmax(x, 5)).toThrow(/argmax: axis 5 is out of range for 2 dimensions/);
    expect(() => argmin(x, [0, 0])).toThrow(/argmin: repeated axis/);
    const e = tensor('float32', [null], 'e');
    expect(() => evaluate([argmin(e)], new Map([[e, NDArray.zeros('float32', [0])]]))).toThrow(/argmin: cannot reduce over axis 0 of length 0/);
  });
});
