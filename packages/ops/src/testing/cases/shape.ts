import { NDArray, grad, iscalar, tensor } from '@hypatia/core';
import type { OpCase } from '../op-case.js';
import { randomArray } from './elementwise.js';
import { add, mul, square } from '../../elementwise/arithmetic.js';
import { sum } from '../../reduce/sum.js';
import { dimshuffle, transpose } from '../../shape/dimshuffle.js';
import { flatten, reshape, reshapeLike } from '../../shape/reshape.js';
import { expandDims, squeeze } from '../../shape/expand-dims.js';
import { concatenate, stack } from '../../shape/concatenate.js';
import { slice, subtensor } from '../../shape/subtensor.js';
import { incSubtensor, setSubtensor } from '../../shape/inc-subtensor.js';
import { shapeOf } from '../../creation/shape-of.js';

const int = (v: number) => NDArray.from(v, 'int32');

/** The shape family's entries in the shared op table. */
export const shapeCases: OpCase[] = [
  {
    name: "dimshuffle/bias-x0xx",
    build: () => {
      const conv = tensor('float32', [null, null, null, null], 'conv'); const b = tensor('float32', [null], 'b');
      return { inputs: [conv, b], outputs: [add(conv, dimshuffle(b, 'x', 0, 'x', 'x'))] };
    },
    args: () => [randomArray([2, 3, 2, 2], 'float32', 1), randomArray([3], 'float32', 2)],
  },
  {
    name: 'transpose/3d',
    build: () => { const x = tensor('float32', [null, null, null], 'x'); return { inputs: [x], outputs: [transpose(x, [2, 0, 1])] }; },
    args: () => [randomArray([2, 3, 4], 'float32', 3)],
  },
  {
    name: 'reshape/inferred',
    build: () => { const x = tensor('float32', [null, 6], 'x'); return { inputs: [x], outputs: [reshape(x, [-1, 3, 2]), flatten(x)] }; },
    args: () => [randomArray([4, 6], 'float32', 4)],
  },
  {
    name: 'flatten/unknown-leading-and-grad',
    build: () => {
      const x = tensor('float32', [null, null, null], 'x');
      const f = flatten(x, 2);
      return { inputs: [x], outputs: [f, flatten(x), grad(sum(mul(square(f), f)), x)] };
    },
    args: () => [randomArray([2, 3, 4], 'float32', 20)],
  },
  {
    name: 'flatten/int32-empty',
    build: () => { const x = tensor('int32', [null, null, null], 'x'); return { inputs: [x], outputs: [flatten(x, 2), flatten(x, 3)] }; },
    args: () => [randomArray([3, 0, 2], 'int32', 21, -9, 9)],
  },
  {
    name: 'reshape_like/grad-of-reshape',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const w = tensor('float32', [null, null, null], 'w');
      return { inputs: [x, w], outputs: [reshapeLike(square(x), w), grad(sum(mul(reshape(x, [2, -1, 3]), w)), x)] };
    },
    args: () => [randomArray([4, 3], 'float32', 22), randomArray([2, 2, 3], 'float32', 23)],
  },
  {
    name: 'expandDims-squeeze',
    build: () => { const x = tensor('float32', [null, 1, null], 'x'); return { inputs: [x], outputs: [expandDims(x, [0, -1]), squeeze(x)] }; },
    args: () => [randomArray([3, 1, 2], 'float32', 5)],
  },
  {
    name: 'concatenate/axis1',
    build: () => {
      const a = tensor('float32', [null, null], 'a'); const b = tensor('float32', [null, null], 'b');
      return { inputs: [a, b], outputs: [concatenate([a, b, a], 1)] };
    },
    args: () => [randomArray([3, 2], 'float32', 6), randomArray([3, 4], 'float32', 7)],
  },
  {
    name: 'concatenate/grad',
    build: () => {
      const a = tensor('float32', [null, null], 'a'); const b = tensor('float32', [null, null], 'b');
      const w = concatenate([a, b], 0);
      return { inputs: [a, b], outputs: grad(sum(mul(square(w), w)), [a, b]) };
    },
    args: () => [randomArray([2, 3], 'float32', 8), randomArray([1, 3], 'float32', 9)],
  },
  {
    name: 'stack/axis1',
    build: () => {
      const a = tensor('int32', [null, null], 'a'); const b = tensor('int32', [null, null], 'b');
      return { inputs: [a, b], outputs: [stack([a, b], 1)] };
    },
    args: () => [randomArray([2, 3], 'int32', 10, -9, 9), randomArray([2, 3], 'int32', 11, -9, 9)],
  },
  {
    name: 'subtensor/steps',
    build: () => { const x = tensor('float32', [null, null], 'x'); return { inputs: [x], outputs: [slice(x, [[1, null], [null, null, -2]]), subtensor(x, [-1, [1, 4, 2]])] }; },
    args: () => [randomArray([4, 5], 'float32', 12)],
  },
  {
    name: 'subtensor/whole-and-empty',
    build: () => { const x = tensor('float32', [null, null], 'x'); return { inputs: [x], outputs: [add(slice(x, [null, null]), 1), slice(x, [[3, 1]]), subtensor(x, [null, [5]])] }; },
    args: () => [randomArray([4, 3], 'float32', 19)],
  },
  {
    name: 'subtensor/symbolic-minibatch',
    build: () => {
      const data = tensor('float32', [null, null], 'data'); const i = iscalar('i');
      return { inputs: [data, i], outputs: [slice(data, [[mul(i, 2), mul(add(i, 1), 2)]])] };
    },
    args: () => [randomArray([7, 3], 'float32', 13), int(2)],
  },
  {
    name: 'subtensor/grad',
    build: () => {
      const x = tensor('float32', [null, null], 'x');
      return { inputs: [x], outputs: [grad(sum(square(slice(x, [[null, null, 2], [3, 0, -1]]))), x)] };
    },
    args: () => [randomArray([5, 4], 'float32', 14)],
  },
  {
    name: 'inc_subtensor/broadcast-row',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const r = tensor('float32', [1, null], 'r');
      return { inputs: [x, r], outputs: [incSubtensor(slice(x, [[1, 3]]), r)] };
    },
    args: () => [randomArray([4, 3], 'float32', 15), randomArray([1, 3], 'float32', 16)],
  },
  {
    name: 'set_subtensor/symbolic-index',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const y = tensor('float32', [null], 'y'); const i = iscalar('i');
      return { inputs: [x, y, i], outputs: [setSubtensor(subtensor(x, [null, i]), y)] };
    },
    args: () => [randomArray([3, 4], 'float32', 17), randomArray([3], 'float32', 18), int(-2)],
  },
  {
    name: 'subtensor/symbolic-negative-step-and-index',
    build: () => {
      const x = tensor('float32', [null, null, null], 'x'); const s = iscalar('s'); const st = iscalar('st'); const i = iscalar('i');
      return { inputs: [x, s, st, i], outputs: [subtensor(x, [[s, null, st], i, [null, null, -1]])] };
    },
    // x[-2::-2, -1, ::-1]
    args: () => [randomArray([5, 3, 4], 'float32', 24), int(-2), int(-2), int(-1)],
  },
  {
    name: 'inc_subtensor/int32-symbolic-bounds',
    build: () => {
      const x = tensor('int32', [null, null], 'x'); const y = tensor('int32', [null, null], 'y'); const a = iscalar('a'); const b = iscalar('b');
      return { inputs: [x, y, a, b], outputs: [incSubtensor(slice(x, [[a, b], [null, null, 2]]), y)] };
    },
    args: () => [randomArray([5, 5], 'int32', 25, -9, 9), randomArray([2, 3], 'int32', 26, -9, 9), int(1), int(-2)],
  },
  {
    name: 'concatenate/bool-with-empty-part',
    build: () => {
      const a = tensor('bool', [null, null], 'a'); const b = tensor('bool', [null, null], 'b');
      return { inputs: [a, b], outputs: [concatenate([a, b, a], 1), concatenate([b, b], 0)] };
    },
    args: () => [randomArray([2, 3], 'bool', 27), randomArray([2, 0], 'bool', 28)],
  },
  {
    name: 'dimshuffle/int32-permute-and-insert',
    build: () => { const x = tensor('int32', [null, 1, null], 'x'); return { inputs: [x], outputs: [dimshuffle(x, 2, 'x', 0), transpose(x)] }; },
    args: () => [randomArray([3, 1, 4], 'int32', 29, -50, 50)],
  },
  {
    name: 'reshape/symbolic-lengths-and-grad',
    build: () => {
      const x = tensor('float32', [null, null, null], 'x'); const n = iscalar('n');
      const y = reshape(x, [shapeOf(x, 0), -1]);
      return { inputs: [x, n], outputs: [y, reshape(x, [n, shapeOf(x, 2), -1]), grad(sum(mul(y, y)), x)] };
    },
    args: () => [randomArray([2, 3, 4], 'float32', 30), int(3)],
  },
  {
    name: 'reshape/int32-target-vector-and-empty',
    build: () => {
      const x = tensor('int32', [null, null], 'x'); const s = tensor('int32', [3], 's'); const e = tensor('float32', [null, null], 'e');
      return { inputs: [x, s, e], outputs: [reshape(x, s), reshape(x, shapeOf(transpose(x))), reshape(e, [shapeOf(x, 1), shapeOf(e, 0)])] };
    },
    // An empty array reshaped to lengths another operand gives.
    args: () => [randomArray([4, 6], 'int32', 31, -50, 50), NDArray.from([2, -1, 3], 'int32'), NDArray.zeros('float32', [0, 6])],
  },
];

