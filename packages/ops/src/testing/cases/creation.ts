import { NDArray, tensor } from '@hypatia/core';
import type { OpCase } from '../op-case.js';
import { randomArray } from './elementwise.js';
import { zerosLike, onesLike, fullLike, full } from '../../creation/fill.js';
import { shapeOf } from '../../creation/shape-of.js';
import { arange } from '../../creation/arange.js';
import { eye } from '../../creation/eye.js';
import { add, mul } from '../../elementwise/arithmetic.js';

/** The creation family's entries in the shared op table. */
export const creationCases: OpCase[] = [
  {
    name: 'zeros_like+ones_like',
    build: () => { const x = tensor('float32', [null, null], 'x'); return { inputs: [x], outputs: [zerosLike(x), onesLike(x)] }; },
    args: () => [randomArray([3, 4], 'float32', 1)],
  },
  {
    name: 'full_like/int32-from-float32',
    build: () => { const x = tensor('float32', [null], 'x'); return { inputs: [x], outputs: [fullLike(x, -3, 'int32')] }; },
    args: () => [randomArray([5], 'float32', 2)],
  },
  {
    name: 'full_like/variable-value',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const v = tensor('float32', [null], 'v');
      return { inputs: [x, v], outputs: [fullLike(x, v)] };
    },
    args: () => [randomArray([2, 3], 'float32', 3), randomArray([3], 'float32', 4)],
  },
  {
    name: 'full/static-plus-input',
    build: () => { const x = tensor('float32', [null, 3], 'x'); return { inputs: [x], outputs: [add(x, full([3], 0.5))] }; },
    args: () => [randomArray([2, 3], 'float32', 5)],
  },
  {
    name: 'shape+shape_at',
    build: () => { const x = tensor('float32', [null, null, null], 'x'); return { inputs: [x], outputs: [shapeOf(x), shapeOf(x, -1)] }; },
    args: () => [randomArray([2, 3, 4], 'float32', 6)],
  },
  {
    name: 'arange/int32-of-shape',
    build: () => { const y = tensor('int32', [null], 'y'); return { inputs: [y], outputs: [arange(shapeOf(y, 0))] }; },
    args: () => [randomArray([6], 'int32', 7, 0, 10)],
  },
  {
    name: 'arange/float32-variable-start',
    build: () => { const s = tensor('float32', [], 's'); return { inputs: [s], outputs: [mul(arange(s, 4, 0.5), 2)] }; },
    args: () => [NDArray.from(0.25, 'float32')],
  },
  {
    name: 'eye/variable-rows-offset',
    build: () => { const n = tensor('int32', [], 'n'); return { inputs: [n], outputs: [eye(n, 4, 1)] }; },
    args: () => [NDArray.from(3, 'int32')],
  },
  {
    name: 'eye/static-plus-input',
    build: () => { const x = tensor('float32', [3, 3], 'x'); return { inputs: [x], outputs: [mul(x, eye(3))] }; },
    args: () => [randomArray([3, 3], 'float32', 8)],
  },
  {
    name: 'eye/bool-below-diagonal',
    build: () => { const n = tensor('int32', [], 'n'); return { inputs: [n], outputs: [eye(n, 3, -1, 'bool')] }; },
    args: () => [NDArray.from(4, 'int32')],
  },
  {
    name: 'arange/negative-fractional-step',
    build: () => {
      const s = tensor('float32', [], 's'); const n = tensor('int32', [], 'n');
      return { inputs: [s, n], outputs: [arange(s, -1, -0.3), arange(n, 0, -3)] };
    },
    args: () => [NDArray.from(1.1, 'float32'), NDArray.from(10, 'int32')],
  },
];

