import { NDArray, grad, tensor } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import { randomArray, withEdges } from './elementwise.js';
import { cumprod, cumsum } from '../../cumulative/cumulative.js';
import { mul } from '../../elementwise/arithmetic.js';
import { sum } from '../../reduce/sum.js';

/** The cumulative family's entries in the shared op table. */
export const cumulativeCases: OpCase[] = [
  {
    name: 'cumsum-cumprod/float32-axes-and-grads',
    build: () => {
      const x = tensor('float32', [null, null, null], 'x');
      const s = cumsum(x, 1);
      const p = cumprod(x, -1);
      // The gradients run the folds from the other end.
      return { inputs: [x], outputs: [s, p, ...[grad(sum(mul(s, x)), x), grad(sum(p), x)]] };
    },
    args: () => [randomArray([2, 5, 3], 'float32', 41, 0.5, 1.5)],
  },
  {
    name: 'cumprod/float64-zeros-grad',
    build: () => {
      const x = tensor('float64', [null, null], 'x');
      const p = cumprod(x, 1);
      return { inputs: [x], outputs: [p, grad(sum(mul(p, p)), x)] };
    },
    // Rows with one zero, two zeros, a zero first and last: the gradient's zero cases.
    args: () => [NDArray.from([[1.5, 0, 2, -0.5, 3], [0, 1.2, 0, 2, 0.7], [2, -1, 0.5, 1.1, 0], [0.8, 1.3, -0.9, 1.7, 2]], 'float64')],
    skip: skipFloat64('float64'),
  },
  {
    name: 'cumsum-cumprod/int32-bool-wrap',
    build: () => {
      const i = tensor('int32', [null, null], 'i'); const b = tensor('bool', [null, null], 'b');
      return { inputs: [i, b], outputs: [cumsum(i, 1), cumprod(i, 0), cumsum(b, 0), cumsum(i)] };
    },
    // Sums and products past the int32 range wrap.
    args: () => [withEdges(randomArray([3, 4], 'int32', 42, -70000, 70000), [2147483647, 1, 65536, 65536]), randomArray([3, 4], 'bool', 43)],
  },
  {
    name: 'cumsum-cumprod/nan-inf-empty',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const e = tensor('float32', [null, null], 'e');
      return { inputs: [x, e], outputs: [cumsum(x, 1), cumprod(x, 1), cumsum(e, 1), cumprod(e, 0)] };
    },
    args: () => [withEdges(randomArray([2, 4], 'float32', 44), [1, NaN, 2, 3, Infinity, -Infinity, 0, 1]), NDArray.zeros('float32', [3, 0])],
  },
];
