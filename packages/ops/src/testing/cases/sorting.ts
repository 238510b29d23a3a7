import { NDArray, grad, tensor } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import { randomArray } from './elementwise.js';
import { argsort, argtopk, sort, topk } from '../../sorting/sort.js';
import { mul } from '../../elementwise/arithmetic.js';
import { sum } from '../../reduce/sum.js';

/** Values from a small pool (ties), NaN, the infinities and both zeros among them. */
function withTies(shape: number[], dtype: 'float32' | 'float64', seed: number): NDArray {
  const pool = [NaN, -0, 0, 1, -1, 2.5, Infinity, -Infinity];
  const a = randomArray(shape, 'int32', seed, 0, pool.length);
  return NDArray.from(Array.from(a.data, (i) => pool[i]!), dtype).reshape(shape);
}

/** The sorting family's entries in the shared op table. */
export const sortingCases: OpCase[] = [
  {
    name: 'sort-argsort/float32-ties-nan-signed-zeros',
    build: () => {
      const x = tensor('float32', [null, null], 'x');
      return { inputs: [x], outputs: [sort(x), argsort(x), sort(x, 0), argsort(x, -2)] };
    },
    args: () => [withTies([4, 9], 'float32', 51)],
  },
  {
    name: 'topk-argtopk/float32-largest-smallest-ties-nan',
    build: () => {
      const x = tensor('float32', [null, null, null], 'x');
      return { inputs: [x], outputs: [topk(x, 3, 1), argtopk(x, 3, 1), topk(x, 2, -1, { largest: false }), argtopk(x, 0, 2)] };
    },
    args: () => [withTies([2, 6, 3], 'float32', 52)],
  },
  {
    name: 'sort-topk/float32-grads',
    build: () => {
      const x = tensor('float32', [null, null], 'x');
      const s = sort(x, 1);
      const t = topk(x, 2, 0);
      return { inputs: [x], outputs: [s, grad(sum(mul(s, s)), x), grad(sum(mul(t, 3)), x)] };
    },
    args: () => [randomArray([3, 5], 'float32', 53)],
  },
  {
    name: 'sort-argsort/int32-bool',
    build: () => {
      const i = tensor('int32', [null, null], 'i'); const b = tensor('bool', [null], 'b');
      return { inputs: [i, b], outputs: [sort(i, 1), argsort(i, 0), argtopk(i, 2, 1), argsort(b), sort(b)] };
    },
    args: () => [NDArray.from([[5, -2147483648, 2147483647, 5], [0, 0, -1, 7], [3, 3, 3, -3]], 'int32'), randomArray([7], 'bool', 54)],
  },
  {
    name: 'sort-topk/float64-grad',
    build: () => {
      const x = tensor('float64', [null, null], 'x');
      const s = sort(x, 0);
      return { inputs: [x], outputs: [s, topk(x, 3), grad(sum(mul(s, s)), x)] };
    },
    args: () => [randomArray([4, 5], 'float64', 55)],
    skip: skipFloat64('float64'),
  },
  {
    name: 'sort-argsort/empty-axes',
    build: () => {
      const x = tensor('float32', [null, null], 'x');
      return { inputs: [x], outputs: [sort(x, 1), argsort(x, 0), argtopk(x, 0, 1)] };
    },
    args: () => [NDArray.zeros('float32', [3, 0])],
  },
];
