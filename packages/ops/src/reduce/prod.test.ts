import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, grad, tensor, verifyGrad } from '@hypatia/core';
import { prod } from './prod.js';
import { sum } from './sum.js';
import { naiveReduce, sample } from './naive-reduce.js';
import { AXES, sweepAxes } from './sweep-axes.js';


/** Finite differences cannot see the kinks, but the product is smooth in each element, so they agree even at zeros. */
function withZeros(): NDArray {
  const X = sample([2, 3, 4], 4, 'float64', 0.5, 1.5);
  // slices along the last axis: row 0 has one zero, row 1 two zeros, row 2 none
  X.data[1] = 0;
  X.data[4 + 0] = 0;
  X.data[4 + 3] = 0;
  X.data[12 + 5] = 0;
  return X;
}

describe('prod', () => {
  sweepAxes('', prod, (out, X, axes) => {
    naiveReduce(X, axes, (v) => v.reduce((p, a) => p * a, 1)).forEach((w, i) => expect(out.data[i]).toBeCloseTo(w, 12));
  });

  it('gradient without zeros', () => {
    for (const axis of AXES) verifyGrad((x) => prod(x, axis), [sample([2, 3, 4], 2)]);
    verifyGrad((x) => prod(x, 1, true), [sample([2, 3, 4], 3)]);
  });

  it('gradient with one and with several zeros in a slice', () => {
    for (const axis of [-1, 0, [1, 2], undefined]) verifyGrad((x) => prod(x, axis), [withZeros()]);
  });

  it('gives the product of the others at a lone zero, and 0 when two zeros share a slice', () => {
    const x = tensor('float64', [null, null], 'x');
    const g = grad(sum(prod(x, 1)), x);
    const [v] = evaluate([g], new Map([[x, NDArray.from([[2, 0, 3], [0, 4, 0], [1, 2, 4]])]]));
    expect(v!.toArray()).toEqual([[0, 6, 0], [0, 0, 0], [8, 4, 2]]);
  });

  it('multiplies integers and bools in int32', () => {
    const i = tensor('int32', [null], 'i');
    const p = prod(i);
    expect(p.dtype).toBe('int32');
    expect(evaluate([p], new Map([[i, NDArray.from([2, -3, 4], 'int32')]]))[0]!.item()).toBe(-24);
    expect(prod(tensor('bool', [3], 'b')).dtype).toBe('int32');
  });

  it('rejects bad axes', () => {
    expect(() => prod(tensor('float32', [2, 3], 'x'), -3)).toThrow(/prod: axis -3 is out of range for 2 dimensions/);
    expect(() => prod(tensor('float32', [2, 3], 'x'), [1, 1])).toThrow(/prod: repeated axis/);
  });
});
