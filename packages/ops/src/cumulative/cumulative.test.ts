import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, matrix, mulberry32, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { Cumulative, cumprod, cumsum } from './cumulative.js';
import { kernelsDiffer } from '../testing/kernel-check.js';

const run = (out: Variable, feeds: [Variable, NDArray][]) => evaluate([out], new Map(feeds))[0]!;

function rand(shape: number[], seed: number, lo = -2, hi = 2): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float64', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = lo + r() * (hi - lo);
  return a;
}

describe('cumsum and cumprod', () => {
  const m = NDArray.from([[1, 2, 3], [4, 5, 6]], 'float32');

  it('fold along an axis, negative axes from the end, no axis over the flattened array', () => {
    const x = matrix('x');
    expect(Array.from(run(cumsum(x, 1), [[x, m]]).data)).toEqual([1, 3, 6, 4, 9, 15]);
    expect(Array.from(run(cumsum(x, -2), [[x, m]]).data)).toEqual([1, 2, 3, 5, 7, 9]);
    expect(Array.from(run(cumprod(x, 1), [[x, m]]).data)).toEqual([1, 2, 6, 4, 20, 120]);
    const flat = cumsum(x);
    expect(flat.ndim).toBe(1);
    expect(Array.from(run(flat, [[x, m]]).data)).toEqual([1, 3, 6, 10, 15, 21]);
  });

  it('count booleans in int32 and wrap int32 as int32 arithmetic does', () => {
    const b = tensor('bool', [null], 'b');
    expect(cumsum(b).dtype).toBe('int32');
    expect(Array.from(run(cumsum(b), [[b, NDArray.from([1, 0, 1, 1], 'bool')]]).data)).toEqual([1, 1, 2, 3]);
    const i = tensor('int32', [null], 'i');
    const big = NDArray.from([2147483647, 1, 65536, 65536], 'int32');
    expect(Array.from(run(cumsum(i), [[i, big]]).data)).toEqual([2147483647, -2147483648, -2147418112, -2147352576]);
    expect(Array.from(run(cumprod(i), [[i, big]]).data)).toEqual([2147483647, 2147483647, -65536, 0]);
  });

  it('refuse a scalar and an axis out of range', () => {
    expect(() => cumsum(tensor('float32', [], 's'))).toThrow(/cumsum: needs at least one axis/);
    expect(() => cumsum(matrix('x'), 2)).toThrow(/cumsum: axis 2 is out of range for 2 dimensions/);
  });

  it('kernels give perform bit for bit, in every dtype, both directions, empty axes included', () => {
    const cases: [string, number[], number][] = [['float32', [3, 5, 4], 1], ['float64', [2, 7], 1], ['int32', [4, 3], 0], ['bool', [2, 6], 1], ['float32', [3, 0, 2], 1], ['float32', [0, 4], 1]];
    for (const [dtype, shape, axis] of cases) {
      const x = tensor(dtype as never, shape.map(() => null), 'x');
      const v = NDArray.zeros(dtype as never, shape);
      const r = mulberry32(shape.length * 7 + axis);
      for (let i = 0; i < v.size; i++) v.data[i] = dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : dtype === 'int32' ? Math.floor(r() * 2e9 - 1e9) : r() * 4 - 2;
      for (const fold of ['sum', 'prod'] as const) {
        for (const reverse of [false, true]) {
          const node = new Cumulative(fold, axis, reverse).apply([x]);
          expect(kernelsDiffer(node, [v]), `${fold} ${dtype} [${shape}] axis ${axis} reverse ${reverse}`).toBeNull();
        }
      }
    }
  });
});

describe('cumulative gradients (float64 verifyGrad)', () => {
  it('cumsum: a running sum from the other end', () => {
    verifyGrad((x) => cumsum(x!, 1), [rand([3, 5], 1)]);
    verifyGrad((x) => cumsum(x!, 0), [rand([4, 2, 3], 2)]);
    verifyGrad((x) => new Cumulative('sum', 1, true).call(x!), [rand([3, 5], 3)]);
  });

  it('cumprod away from zeros', () => {
    verifyGrad((x) => cumprod(x!, 1), [rand([3, 5], 4, 0.5, 1.5)]);
    verifyGrad((x) => cumprod(x!, -1), [rand([2, 3, 4], 5)]);
    verifyGrad((x) => new Cumulative('prod', 0, true).call(x!), [rand([5, 2], 6)]);
  });

  it('cumprod through exact zeros: one, two, at the start and the end of a row', () => {
    const x = NDArray.from([[1.5, 0, 2, -0.5, 3], [0, 1.2, 0, 2, 0.7], [2, -1, 0.5, 1.1, 0], [0.8, 1.3, -0.9, 1.7, 2]], 'float64');
    verifyGrad((v) => cumprod(v!, 1), [x]);
    verifyGrad((v) => new Cumulative('prod', 1, true).call(v!), [x]);
    verifyGrad((v) => cumprod(v!, 0), [x]);
  });
});
