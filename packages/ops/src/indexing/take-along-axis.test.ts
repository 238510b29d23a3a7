import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, matrix, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { takeAlongAxis } from './take-along-axis.js';

const run = (out: Variable, feeds: [Variable, NDArray][]) => evaluate([out], new Map(feeds))[0]!;

describe('takeAlongAxis', () => {
  const x = matrix('x');
  const xv = NDArray.from([[10, 11, 12], [20, 21, 22]], 'float32');

  it('gathers each line at its own positions, negative positions from the end', () => {
    const i = tensor('int32', [null, null], 'i');
    expect(Array.from(run(takeAlongAxis(x, i, 1), [[x, xv], [i, NDArray.from([[2, 0], [-1, 1]], 'int32')]]).data)).toEqual([12, 10, 22, 21]);
    expect(Array.from(run(takeAlongAxis(x, i, 0), [[x, xv], [i, NDArray.from([[1, 0, 1]], 'int32')]]).data)).toEqual([20, 11, 22]);
  });

  it('broadcasts an index axis statically 1 against x (as NumPy), and refuses indices of another rank or out of range', () => {
    const col = tensor('int32', [null, 1], 'col');
    const got = run(takeAlongAxis(x, col, 0), [[x, xv], [col, NDArray.from([[1], [0]], 'int32')]]);
    expect(got.shape).toEqual([2, 3]);
    expect(Array.from(got.data)).toEqual([20, 21, 22, 10, 11, 12]);
    expect(() => takeAlongAxis(x, tensor('int32', [null], 'v'), 1)).toThrow(/takeAlongAxis: the indices need x's 2 dimensions/);
    const i = tensor('int32', [null, null], 'i');
    expect(() => run(takeAlongAxis(x, i, 1), [[x, xv], [i, NDArray.from([[3], [0]], 'int32')]])).toThrow(/advanced_subtensor: index 3 is out of bounds for axis 1 with size 3/);
  });

  it('differentiates as a scatter-add, repeated positions adding up (float64 verifyGrad)', () => {
    const idx = NDArray.from([[0, 0, 2], [1, 2, 1]], 'int32');
    verifyGrad((a) => takeAlongAxis(a!, idx, 1), [NDArray.from([[1, 2, 3], [4, 5, 6]], 'float64')]);
  });
});
