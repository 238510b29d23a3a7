import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, matrix, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { expandDims, squeeze } from './expand-dims.js';

const ev = (v: Variable, x: Variable, a: NDArray) => evaluate([v], new Map([[x, a]]))[0]!;

describe('expandDims', () => {
  it('inserts broadcastable axes at positions of the result', () => {
    const x = tensor('float32', [null, 3], 'x');
    expect(expandDims(x, 0).shape).toEqual([1, null, 3]);
    expect(expandDims(x, -1).shape).toEqual([null, 3, 1]);
    expect(expandDims(x, [0, 2]).shape).toEqual([1, null, 1, 3]);
    expect(ev(expandDims(x, 1), x, NDArray.from([[1, 2, 3]], 'float32')).shape).toEqual([1, 1, 3]);
  });

  it('gradient', () => {
    verifyGrad((x) => expandDims(x, [1, -1]), [NDArray.from([[1, 2], [3, 4]])]);
  });

  it('errors name expandDims', () => {
    const x = matrix('x');
    expect(() => expandDims(x, 3)).toThrow(/expandDims: axis 3 is out of range for a result of 3 dimensions/);
    expect(() => expandDims(x, [1, -3])).toThrow(/expandDims: repeated axis/);
  });
});

describe('squeeze', () => {
  it('removes statically-1 axes, all or the ones named', () => {
    const x = tensor('float64', [1, null, 1, 4], 'x');
    expect(squeeze(x).shape).toEqual([null, 4]);
    expect(squeeze(x, -2).shape).toEqual([1, null, 4]);
    expect(squeeze(x, [0, 2]).shape).toEqual([null, 4]);
    const a = NDArray.from([[[[1, 2, 3, 4]], [[5, 6, 7, 8]]]]);
    expect(ev(squeeze(x), x, a).toArray()).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  it('gradient', () => {
    verifyGrad((x) => squeeze(expandDims(x, 0), 0), [NDArray.from([[1, 2], [3, 4]])]);
  });

  it('refuses axes whose length is not statically 1', () => {
    const x = tensor('float64', [1, null, 3], 'x');
    expect(() => squeeze(x, 1)).toThrow(/squeeze: axis 1 of x : float64\[1, \?, 3\] has length unknown until run time; only axes statically of length 1/);
    expect(() => squeeze(x, 2)).toThrow(/squeeze: axis 2 .* has length 3/);
    expect(() => squeeze(x, 3)).toThrow(/squeeze: axis 3 is out of range/);
  });
});
