import { NDArray, grad, ivector, tensor } from '@hypatia/core';
import type { OpCase } from '../op-case.js';
import { randomArray, withEdges } from './elementwise.js';
import { log, mul, neg, square } from '../../elementwise/arithmetic.js';
import { sum } from '../../reduce/sum.js';
import { advancedIndex, take } from '../../indexing/advanced-subtensor.js';
import { advancedIncSubtensor, advancedSetSubtensor } from '../../indexing/advanced-inc-subtensor.js';
import { booleanMask, flatnonzero } from '../../indexing/boolean-mask.js';
import { gt } from '../../elementwise/arithmetic.js';

const ints = (a: number[] | number[][]) => NDArray.from(a, 'int32');

/** The indexing family's entries in the shared op table. */
export const indexingCases: OpCase[] = [
  {
    name: 'advanced_subtensor/nll',
    build: () => {
      const p = tensor('float32', [null, null], 'p'); const rows = ivector('rows'); const y = ivector('y');
      const cost = neg(sum(advancedIndex(log(p), [rows, y])));
      return { inputs: [p, rows, y], outputs: [cost, grad(cost, p)] };
    },
    args: () => [randomArray([4, 3], 'float32', 1, 0.1, 1), ints([0, 1, 2, 3]), ints([2, 0, 1, 2])],
  },
  {
    name: 'take/axis1-matrix-indices',
    build: () => {
      const x = tensor('float32', [null, null, null], 'x'); const i = tensor('int32', [null, null], 'i');
      return { inputs: [x, i], outputs: [take(x, i, 1)] };
    },
    args: () => [randomArray([2, 4, 3], 'float32', 2), ints([[3, 0], [-1, 1], [2, 2]])],
  },
  {
    name: 'take/grad-duplicates',
    build: () => {
      const w = tensor('float32', [null, null], 'w'); const i = ivector('i');
      return { inputs: [w, i], outputs: [grad(sum(square(take(w, i, 0))), w)] };
    },
    args: () => [randomArray([5, 3], 'float32', 3), ints([1, 4, 1, 1, 0])],
  },
  {
    name: 'advanced_inc_subtensor/duplicates',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const y = tensor('float32', [null], 'y');
      return { inputs: [x, y], outputs: [advancedIncSubtensor(x, [[0, 2, 0, 0], [1, 1, 1, 2]], y)] };
    },
    args: () => [randomArray([3, 3], 'float32', 4), randomArray([4], 'float32', 5)],
  },
  {
    name: 'advanced_set_subtensor/grad-duplicates',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const y = tensor('float32', [null], 'y');
      const out = advancedSetSubtensor(x, [[0, 2, 0], [1, 0, 1]], y);
      return { inputs: [x, y], outputs: [out, ...grad(sum(mul(out, x)), [x, y])] };
    },
    args: () => [randomArray([3, 3], 'float32', 6), randomArray([3], 'float32', 7)],
  },
  {
    name: 'advanced_subtensor/int32-broadcast-index-arrays',
    build: () => {
      const x = tensor('int32', [null, null, null], 'x'); const i = tensor('int32', [null, 1], 'i'); const j = ivector('j');
      return { inputs: [x, i, j], outputs: [advancedIndex(x, [i, j])] };
    },
    // i is [2, 1] and j [3]: together [2, 3], negative and repeated values.
    args: () => [randomArray([3, 4, 2], 'int32', 8, -50, 50), ints([[-1], [0]]), ints([3, -4, 3])],
  },
  {
    name: 'take/empty-indices-and-empty-rows',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const i = ivector('i');
      return { inputs: [x, i], outputs: [take(x, i, 0), take(x, i, 1)] };
    },
    args: () => [randomArray([0, 3], 'float32', 9), ints([])],
  },
  {
    name: 'advanced_inc_subtensor/axis1-broadcast-value-repeated',
    build: () => {
      const x = tensor('float32', [null, null, null], 'x'); const y = tensor('float32', [1, null, null], 'y'); const i = ivector('i');
      return { inputs: [x, y, i], outputs: [advancedIncSubtensor(x, [i], y, 1)] };
    },
    // Repeated and negative positions accumulate in order; y broadcasts over x's first axis.
    args: () => [randomArray([2, 4, 3], 'float32', 10), randomArray([1, 5, 3], 'float32', 11), ints([1, -3, 3, 1, -1])],
  },
  {
    name: 'advanced_set_subtensor/bool-and-int32-last-write-wins',
    build: () => {
      const b = tensor('bool', [null, null], 'b'); const v = tensor('bool', [null], 'v');
      const n = tensor('int32', [null], 'n'); const w = tensor('int32', [], 'w');
      return { inputs: [b, v, n, w], outputs: [advancedSetSubtensor(b, [[0, 2, 0], [1, 1, 1]], v), advancedSetSubtensor(n, [[4, -1, 0, 4]], w)] };
    },
    args: () => [randomArray([3, 2], 'bool', 12), NDArray.from([1, 0, 0], 'bool'), randomArray([5], 'int32', 13, -9, 9), NDArray.from(7, 'int32')],
  },
  {
    name: 'boolean_mask/leading-axes-and-grad',
    build: () => {
      const x = tensor('float32', [null, null, null], 'x'); const m = tensor('bool', [null, null], 'm'); const r = tensor('bool', [null], 'r');
      const picked = booleanMask(x, m);
      return { inputs: [x, m, r], outputs: [picked, booleanMask(x, r), grad(sum(square(picked)), x)] };
    },
    args: () => [randomArray([2, 3, 2], 'float32', 12), NDArray.from([[1, 0, 1], [0, 1, 1]], 'bool'), NDArray.from([0, 1], 'bool')],
  },
  {
    name: 'boolean_mask/int32-none-true-flatnonzero',
    build: () => {
      const x = tensor('int32', [null, null], 'x'); const m = tensor('bool', [null, null], 'm'); const none = tensor('bool', [null], 'none');
      return { inputs: [x, m, none], outputs: [booleanMask(x, m), booleanMask(x, none), flatnonzero(m)] };
    },
    // Nothing true gives an empty axis.
    args: () => [randomArray([3, 4], 'int32', 13, -50, 50), randomArray([3, 4], 'bool', 14), NDArray.from([0, 0, 0], 'bool')],
  },
  {
    name: 'boolean_mask/mask-computed-from-data',
    build: () => { const v = tensor('float32', [null], 'v'); return { inputs: [v], outputs: [booleanMask(v, gt(v, 0)), flatnonzero(v)] }; },
    // NaN is nonzero, -0 is not.
    args: () => [withEdges(randomArray([70], 'float32', 15), [0, NaN, -0, 2, 0, -1])],
    skip: { webgpu: 'the mask is computed on the GPU, and x[mask] needs its true count on the host before the call is encoded' },
  },
];

