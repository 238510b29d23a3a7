import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, matrix, mulberry32, tensor, vector, verifyGrad, type DType, type Variable } from '@hypatia/core';
import { ArgSort } from './argsort.js';
import { argsort, argtopk, sort, topk } from './sort.js';
import { kernelsDiffer } from '../testing/kernel-check.js';

const run = (out: Variable, feeds: [Variable, NDArray][]) => evaluate([out], new Map(feeds))[0]!;
const list = (a: NDArray) => Array.from(a.data);

describe('sort, argsort and topk', () => {
  const x = vector('x');
  const v = NDArray.from([3, NaN, 1, 3, -0, 0, NaN, -Infinity, 1], 'float32');

  it('argsort is stable, ascending, NaN last (NumPy order); sort gathers along it', () => {
    expect(list(run(argsort(x), [[x, v]]))).toEqual([7, 4, 5, 2, 8, 0, 3, 1, 6]);
    expect(list(run(sort(x), [[x, v]]))).toEqual([-Infinity, -0, 0, 1, 1, 3, 3, NaN, NaN]);
  });

  it('topk takes the k largest, largest first, NaN as the largest, ties in order; largest: false the k smallest', () => {
    expect(list(run(argtopk(x, 4), [[x, v]]))).toEqual([1, 6, 0, 3]);
    expect(list(run(topk(x, 4), [[x, v]]))).toEqual([NaN, NaN, 3, 3]);
    expect(list(run(topk(x, 3, -1, { largest: false }), [[x, v]]))).toEqual([-Infinity, -0, 0]);
    expect(topk(x, 4).shape).toEqual([4]);
  });

  it('sort along any axis, negative axes from the end, every dtype', () => {
    const m = matrix('m');
    const mv = NDArray.from([[3, 1, 2], [0, 5, -1]], 'float32');
    expect(list(run(sort(m, 0), [[m, mv]]))).toEqual([0, 1, -1, 3, 5, 2]);
    expect(list(run(argsort(m, -1), [[m, mv]]))).toEqual([1, 2, 0, 2, 0, 1]);
    const i = tensor('int32', [null], 'i');
    expect(list(run(sort(i), [[i, NDArray.from([5, -2147483648, 2147483647, 5, 0], 'int32')]]))).toEqual([-2147483648, 0, 5, 5, 2147483647]);
    const b = tensor('bool', [null], 'b');
    expect(list(run(argsort(b), [[b, NDArray.from([1, 0, 1, 0], 'bool')]]))).toEqual([1, 3, 0, 2]);
  });

  it('refuse a k past the axis, statically and at run time, naming the op and the shapes', () => {
    expect(() => topk(tensor('float32', [3], 'x'), 4)).toThrow(/argsort: k = 4 is more than the 3 elements of axis 0/);
    expect(() => run(topk(x, 4), [[x, NDArray.from([1, 2], 'float32')]])).toThrow(/argsort: k = 4 is more than the 2 elements of axis 0 \(shape \[2\]\)/);
    expect(() => argsort(tensor('float32', [], 's'))).toThrow(/argsort: needs at least one axis/);
  });

  it('kernels give perform bit for bit: ties, NaN, -0, every dtype, k, empty axes', () => {
    const r = mulberry32(5);
    const cases: [DType, number[], number][] = [
      ['float32', [3, 6, 2], 1], ['float64', [4, 7], 1], ['int32', [5, 3], 0], ['bool', [2, 9], 1], ['float32', [2, 0, 3], 1], ['float32', [0, 4], 1],
    ];
    for (const [dtype, shape, axis] of cases) {
      const t = tensor(dtype, shape.map(() => null), 't');
      const a = NDArray.zeros(dtype, shape);
      // Few distinct values, so lines have ties; NaN and signed zeros in the floats.
      const pool = isFloatType(dtype) ? [NaN, -0, 0, 1, -1, 2, Infinity] : [0, 1, 3, -2];
      for (let j = 0; j < a.size; j++) a.data[j] = dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : pool[Math.floor(r() * pool.length)]!;
      const n = shape[axis]!;
      for (const descending of [false, true]) {
        for (const k of [null, 0, Math.min(2, n), n]) {
          const node = new ArgSort(axis, descending, k).apply([t]);
          expect(kernelsDiffer(node, [a]), `${dtype} [${shape}] axis ${axis} descending ${descending} k ${k}`).toBeNull();
        }
      }
    }
  });
});

function isFloatType(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

describe('sorting gradients (float64 verifyGrad)', () => {
  // Distinct values, so a small step does not reorder a line.
  const distinct = (shape: number[], seed: number) => {
    const r = mulberry32(seed);
    const a = NDArray.zeros('float64', shape);
    const used = new Set<number>();
    for (let i = 0; i < a.size; i++) {
      let v: number;
      do v = Math.round(r() * 400 - 200) / 10; while (used.has(v));
      used.add(v);
      a.data[i] = v;
    }
    return a;
  };

  it('sort sends each gradient back to the element that landed there', () => {
    verifyGrad((x) => sort(x!), [distinct([7], 1)]);
    verifyGrad((x) => sort(x!, 0), [distinct([4, 3], 2)]);
    verifyGrad((x) => sort(x!, 1), [distinct([2, 5, 3], 3)]);
  });

  it('topk: the gradient reaches the k chosen elements only', () => {
    verifyGrad((x) => topk(x!, 3), [distinct([3, 6], 4)]);
    verifyGrad((x) => topk(x!, 2, 0, { largest: false }), [distinct([5, 2], 5)]);
  });
});
