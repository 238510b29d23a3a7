import { describe, expect, it } from 'vitest';
import { NDArray, TypeRuleError, compile, constant, dmatrix, evaluate, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { Flatten, flatten, reshape, Reshape, ReshapeLike } from './reshape.js';
import '@hypatia/backends';

const ev = (v: Variable, x: Variable, a: NDArray) => evaluate([v], new Map([[x, a]]))[0]!;

describe('reshape', () => {
  it('reshapes with one inferred (-1) dimension', () => {
    const x = tensor('float64', [2, 6], 'x');
    expect(reshape(x, [3, -1]).shape).toEqual([3, 4]);
    expect(reshape(x, [-1]).shape).toEqual([12]);
    const y = tensor('float64', [null, 6], 'y');
    expect(reshape(y, [-1, 2, 3]).shape).toEqual([null, 2, 3]);
    const v = NDArray.from([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]);
    expect(ev(reshape(y, [-1, 2, 3]), y, v).shape).toEqual([2, 2, 3]);
    expect(ev(reshape(x, [4, 3]), x, v).toArray()).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
  });

  it('gradients', () => {
    verifyGrad((x) => reshape(x, [3, -1]), [NDArray.from([[1, 2, 3], [4, 5, 6]])]);
    verifyGrad((x) => flatten(x, 2), [NDArray.from([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])]);
    // The run-time Flatten op (used when leading lengths are unknown) and its reshape_like gradient.
    verifyGrad((x) => new Flatten(2).call(x), [NDArray.from([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])]);
    const like = constant(NDArray.zeros('float64', [3, 2]));
    verifyGrad((x) => new ReshapeLike().call(x, like), [NDArray.from([[1, 2, 3], [4, 5, 6]])]);
  });

  it('errors: impossible sizes at build time and at run time, two -1s', async () => {
    const x = tensor('float64', [2, 6], 'x');
    expect(() => reshape(x, [5, -1])).toThrow(TypeRuleError);
    expect(() => reshape(x, [5, -1])).toThrow(/reshape: cannot reshape 12 elements to \[5, -1\]/);
    expect(() => reshape(x, [3, 3])).toThrow(/cannot reshape 12 elements to \[3, 3\]/);
    expect(() => new Reshape([-1, -1])).toThrow(/reshape: at most one dimension may be -1/);
    const m = dmatrix('m');
    const f = await compile({ inputs: [m], outputs: [reshape(m, [-1, 4])], backend: 'reference' });
    await expect(f([[1, 2, 3]])).rejects.toThrow(/reshape: cannot reshape 3 elements to \[-1, 4\]/);
    const g = await compile({ inputs: [m, x], outputs: [new ReshapeLike().call(m, x)], backend: 'reference' });
    await expect(g([[1, 2, 3]], NDArray.zeros('float64', [2, 6]))).rejects.toThrow(/reshape_like: cannot reshape 3 elements to \[2, 6\]/);
  });
});

describe('flatten', () => {
  it("collapses the trailing axes (Theano's flatten(ndim))", () => {
    const x = tensor('float64', [null, 2, 3], 'x');
    expect(flatten(x).shape).toEqual([null]);
    expect(flatten(x, 2).shape).toEqual([null, 6]);
    expect(flatten(tensor('float64', [4, 2, 3], 'k'), 2).shape).toEqual([4, 6]);
    const v = NDArray.from([[[1, 2, 3], [4, 5, 6]]]);
    expect(ev(flatten(x, 2), x, v).toArray()).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(() => flatten(x, 4)).toThrow(/flatten: ndim 4 out of range/);
  });
});
