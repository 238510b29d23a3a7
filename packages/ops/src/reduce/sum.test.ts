import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, tensor, verifyGrad } from '@hypatia/core';
import { Sum, sum } from './sum.js';
import { Prod } from './prod.js';
import { Extremum } from './extremum.js';
import { ArgExtremum } from './arg-extremum.js';
import { naiveReduce, sample } from './naive-reduce.js';
import { AXES, sweepAxes } from './sweep-axes.js';

/** sum also sweeps an unsorted axis list. */
const SUM_AXES = [...AXES, [2, 0]];

describe('sum', () => {
  sweepAxes('', sum, (out, X, axes) => {
    naiveReduce(X, axes, (v) => v.reduce((s, a) => s + a, 0)).forEach((w, i) => expect(out.data[i]).toBeCloseTo(w, 12));
  }, SUM_AXES);

  it('handles length-1 axes between reduced ones and empty axes', () => {
    for (const [shape, axes] of [[[3, 1, 4], [0, 2]], [[1, 5, 1], [1]], [[2, 1, 3, 1, 2], [0, 3, 4]], [[1, 1], [0]]] as [number[], number[]][]) {
      const X = sample(shape, 7);
      const x = tensor('float64', shape.map(() => null), 'x');
      const [out] = evaluate([sum(x, axes)], new Map([[x, X]]));
      naiveReduce(X, axes, (v) => v.reduce((s, a) => s + a, 0)).forEach((w, i) => expect(out!.data[i]).toBeCloseTo(w, 12));
    }
    const e = tensor('float64', [null, null], 'e');
    const [z] = evaluate([sum(e, 1)], new Map([[e, NDArray.zeros('float64', [3, 0])]]));
    expect([...z!.data]).toEqual([0, 0, 0]);
  });

  it('gradient', () => {
    for (const axis of SUM_AXES) verifyGrad((x) => sum(x, axis), [sample([2, 3, 4], 2)]);
    verifyGrad((x) => sum(x, [0, 1], true), [sample([2, 3, 4], 3)]);
  });

  it('counts bools in int32 and keeps int32', () => {
    const b = tensor('bool', [null], 'b');
    const s = sum(b);
    expect(s.dtype).toBe('int32');
    expect(evaluate([s], new Map([[b, NDArray.from([1, 0, 1, 1], 'bool')]]))[0]!.item()).toBe(3);
    expect(sum(tensor('int32', [2], 'i')).dtype).toBe('int32');
  });

  it('rejects bad axes', () => {
    const x = tensor('float32', [2, 3], 'x');
    expect(() => sum(x, 2)).toThrow(/sum: axis 2 is out of range for 2 dimensions/);
    expect(() => sum(x, [-1, 1])).toThrow(/sum: repeated axis in \[-1, 1\]/);
    // ops built directly (by rewrites) are checked by their type rule
    expect(() => new Sum([2], false).call(x)).toThrow(/sum: axis 2 is out of range for 2 dimensions/);
    expect(() => new Sum([1, 0], false).call(x)).toThrow(/sum: axes \[1, 0\] must be sorted and unique/);
    expect(() => new Prod([-1], false).call(x)).toThrow(/prod: axis -1 is out of range/);
    expect(() => new Extremum('min', [0, 0], true).call(x)).toThrow(/min: axes \[0, 0\] must be sorted and unique/);
    expect(() => new ArgExtremum('max', [3], true).call(x)).toThrow(/argmax: axis 3 is out of range/);
  });
});
