import { describe, expect, it } from 'vitest';
import { NDArray, TypeRuleError, compile, dmatrix, evaluate, grad, imatrix, matrix, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { mul, sum } from '../index.js';
import { ConcatenatePart, concatenate, stack } from './concatenate.js';
import '@hypatia/backends';

const ev = (v: Variable, pairs: [Variable, NDArray][]) => evaluate([v], new Map(pairs))[0]!;

describe('concatenate', () => {
  it('joins along any axis, with static lengths where known', () => {
    const a = tensor('float64', [2, 3], 'a');
    const b = tensor('float64', [null, 3], 'b');
    const c = tensor('float64', [2, null], 'c');
    expect(concatenate([a, b]).shape).toEqual([null, 3]);
    expect(concatenate([a, a], 1).shape).toEqual([2, 6]);
    expect(concatenate([a, c], -1).shape).toEqual([2, null]);
    const av = NDArray.from([[1, 2, 3], [4, 5, 6]]);
    const bv = NDArray.from([[7, 8, 9]]);
    expect(ev(concatenate([a, b]), [[a, av], [b, bv]]).toArray()).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(ev(concatenate([a, c, a], 1), [[a, av], [c, NDArray.from([[0], [-1]])]]).toArray()).toEqual([[1, 2, 3, 0, 1, 2, 3], [4, 5, 6, -1, 4, 5, 6]]);
  });

  it('promotes mixed dtypes', () => {
    const i = imatrix('i');
    const f = matrix('f');
    expect(concatenate([i, f]).dtype).toBe('float32');
  });

  it('gradients split g back into the parts, and are themselves differentiable', () => {
    const p = NDArray.from([[1, 2], [3, 4]]);
    const q = NDArray.from([[5], [6]]);
    verifyGrad((a, b) => concatenate([a, b, a], 1), [p, q]);
    verifyGrad((a, b) => concatenate([b, a], 0), [NDArray.from([[1, 2, 3]]), NDArray.from([[4, 5, 6], [7, 8, 9]])]);
    // Second order: the gradient of a concatenation (ConcatenatePart) differentiated again.
    verifyGrad((a, b) => {
      const w = concatenate([a, b], 1);
      return grad(sum(mul(mul(w, w), w)), a);
    }, [p, q]);
  });

  it('checks the other axes, at build time and at run time', async () => {
    const a = tensor('float64', [2, 3], 'a');
    expect(() => concatenate([a, tensor('float64', [2, 4], 'b')])).toThrow(TypeRuleError);
    expect(() => concatenate([a, tensor('float64', [2, 4], 'b')])).toThrow(/concatenate: axis 1 differs between the tensors \(3 vs 4\); only axis 0 may/);
    expect(() => concatenate([a, tensor('float64', [2], 'v')])).toThrow(/concatenate: tensor 1 has 1 dimensions but tensor 0 has 2/);
    expect(() => concatenate([a], 2)).toThrow(/concatenate: axis 2 is out of range/);
    expect(() => concatenate([])).toThrow(/concatenate: needs at least one tensor/);
    const x = dmatrix('x');
    const y = dmatrix('y');
    const f = await compile({ inputs: [x, y], outputs: [concatenate([x, y])], backend: 'reference' });
    expect(() => new ConcatenatePart(0, 2).call(a, a, a)).toThrow(/concatenate_part: part 2 along axis 0 does not fit the operands/);
    expect(() => new ConcatenatePart(0, 0).call(tensor('float64', [4, 5], 'g'), a, a)).toThrow(/concatenate_part: axis 1 differs between the gradient and tensor 0 \(5 vs 3\)/);
    const part = await compile({ inputs: [x, y], outputs: [new ConcatenatePart(0, 1).call(x, y, y)], backend: 'reference' });
    await expect(part([[1, 2]], [[1, 2]])).rejects.toThrow(/concatenate_part: the gradient has length 1 on axis 0 but the parts add up to 2/);
    await expect(f([[1, 2]], [[1, 2, 3]])).rejects.toThrow(/concatenate: at run time tensor 1 has shape \[1, 3\] but tensor 0 has \[1, 2\]; only axis 0 may differ/);
  });
});

describe('stack', () => {
  it('joins along a new axis', () => {
    const a = dmatrix('a');
    const b = dmatrix('b');
    const av = NDArray.from([[1, 2], [3, 4]]);
    const bv = NDArray.from([[5, 6], [7, 8]]);
    expect(stack([a, b]).shape).toEqual([2, null, null]);
    expect(ev(stack([a, b], 1), [[a, av], [b, bv]]).toArray()).toEqual([[[1, 2], [5, 6]], [[3, 4], [7, 8]]]);
    expect(ev(stack([a, b], -1), [[a, av], [b, bv]]).toArray()).toEqual([[[1, 5], [2, 6]], [[3, 7], [4, 8]]]);
  });

  it('gradient', () => {
    verifyGrad((a, b) => stack([a, b, a], 2), [NDArray.from([[1, 2], [3, 4]]), NDArray.from([[5, 6], [7, 8]])]);
  });

  it('errors name stack', () => {
    expect(() => stack([dmatrix('a'), tensor('float64', [null], 'v')])).toThrow(/stack: tensor 1 \(v : float64\[\?\]\) has 1 dimensions but tensor 0 has 2/);
    expect(() => stack([dmatrix('a')], 3)).toThrow(/stack: axis 3 is out of range for 3 dimensions/);
    expect(() => stack([])).toThrow(/stack: needs at least one tensor/);
  });
});
