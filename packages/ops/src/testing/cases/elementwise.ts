import { NDArray, tensor, mulberry32, type DType, type Dim } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import * as E from '../../elementwise/arithmetic.js';
import { defineElementwise } from '../../formula/define-elementwise.js';
import * as R from '../../elementwise/rounding.js';
import { erf } from '../../elementwise/erf.js';

/** A user-defined op: every backend must run an elementwise op given only its formula. */
const userDefined = defineElementwise({ name: 'user_blend', inputs: ['a', 'b'], formula: 'a > b ? a * sigmoid(b) : softplus(a) - b^2 / 2' });

/** Random data of a shape, in [lo, hi), from a fixed seed. */
export function randomArray(shape: readonly number[], dtype: DType = 'float32', seed = 1, lo = -2, hi = 2): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'int32' ? Math.floor(lo + r() * (hi - lo)) : dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : lo + r() * (hi - lo);
  return a;
}

/** `a` with its first elements replaced by `values` (NaN, infinities, -0, ties...), so rows reach the edge cases. */
export function withEdges(a: NDArray, values: readonly number[]): NDArray {
  values.forEach((v, i) => { a.data[i] = v; });
  return a;
}

/** Floats that every elementwise kernel must treat as the reference does. */
export const EDGES = [NaN, Infinity, -Infinity, -0, 0.5, -0.5, 1.5, -2.5];

const unary = (name: string, f: (x: never) => ReturnType<typeof E.exp>, lo = -3, hi = 3, dtype: DType = 'float32'): OpCase => ({
  name: `${name}/${dtype}`,
  build: () => { const x = tensor(dtype, [null, null], 'x'); return { inputs: [x], outputs: [f(x as never)] }; },
  args: () => [randomArray([3, 5], dtype, 7, lo, hi)],
  skip: skipFloat64(dtype),
});

const binary = (name: string, f: (a: never, b: never) => ReturnType<typeof E.add>, sa: Dim[], sb: Dim[], shapeA: number[], shapeB: number[], lo = -3, hi = 3): OpCase => ({
  name: `${name}/[${shapeA}]x[${shapeB}]`,
  build: () => { const a = tensor('float32', sa, 'a'); const b = tensor('float32', sb, 'b'); return { inputs: [a, b], outputs: [f(a as never, b as never)] }; },
  args: () => [randomArray(shapeA, 'float32', 3, lo, hi), randomArray(shapeB, 'float32', 4, lo, hi)],
});

export const elementwiseCases: OpCase[] = [
  binary('add', E.add, [null, null], [1, null], [4, 3], [1, 3]),
  binary('add', E.add, [null, null], [null], [4, 3], [3]),
  binary('sub', E.sub, [null, 1], [null, null], [4, 1], [4, 3]),
  binary('mul', E.mul, [null, null], [null, null], [4, 3], [4, 3]),
  binary('div', E.div, [null, null], [null, null], [4, 3], [4, 3], 0.5, 3),
  binary('pow', E.pow, [null, null], [null, null], [4, 3], [4, 3], 0.1, 2),
  binary('maximum', E.maximum, [null, null], [null, null], [4, 3], [4, 3]),
  binary('minimum', E.minimum, [null, null], [1, 1], [4, 3], [1, 1]),
  binary('lt', E.lt, [null, null], [null, null], [4, 3], [4, 3]),
  binary('eq', E.eq, [null, null], [null, null], [4, 3], [4, 3]),
  unary('neg', E.neg),
  unary('exp', E.exp),
  unary('log', E.log, 0.1, 5),
  unary('log1p', E.log1p, -0.5, 5),
  unary('sqrt', E.sqrt, 0, 5),
  unary('square', E.square),
  unary('abs', E.abs),
  unary('sign', E.sign),
  unary('sigmoid', E.sigmoid, -40, 40),
  unary('softplus', E.softplus, -40, 40),
  unary('tanh', E.tanh),
  unary('sin', E.sin, -4, 4),
  unary('cos', E.cos, -4, 4),
  unary('expm1', E.expm1),
  unary('relu', E.relu),
  unary('neg', E.neg, -100, 100, 'int32'),
  unary('exp', E.exp, -3, 3, 'float64'),
  {
    name: 'where/broadcast',
    build: () => {
      const c = tensor('bool', [null, null], 'c'); const a = tensor('float32', [null, null], 'a'); const b = tensor('float32', [1, null], 'b');
      return { inputs: [c, a, b], outputs: [E.where(c, a, b)] };
    },
    args: () => [randomArray([4, 3], 'bool', 1), randomArray([4, 3], 'float32', 2), randomArray([1, 3], 'float32', 3)],
  },
  {
    name: 'comparisons-and-logic/nan-inf-broadcast',
    build: () => {
      const a = tensor('float32', [null, null], 'a'); const b = tensor('float32', [1, null], 'b');
      const big = E.gt(a, b);
      const outputs = [E.le(a, b), big, E.ge(a, b), E.neq(a, b), E.isnan(a), E.isinf(a), E.not(big), E.and(big, E.isinf(b)), E.or(E.isnan(a), E.lt(b, 0))];
      return { inputs: [a, b], outputs };
    },
    args: () => [withEdges(randomArray([3, 4], 'float32', 21), EDGES), withEdges(randomArray([1, 4], 'float32', 22), [Infinity, NaN, 0.5, -0])],
  },
  {
    name: 'cast/float32-int32-bool',
    build: () => {
      const x = tensor('float32', [null], 'x'); const i = tensor('int32', [null], 'i');
      return { inputs: [x, i], outputs: [E.cast(x, 'int32'), E.cast(x, 'bool'), E.cast(i, 'float32'), E.cast(E.cast(i, 'bool'), 'int32')] };
    },
    // NaN and the infinities cast to int32 0, values past int32 wrap modulo 2^32 (JS's `| 0`).
    args: () => [withEdges(randomArray([14], 'float32', 23, -1e3, 1e3), [...EDGES, 2147483520, 2147483648, -3e9, 3e9, 1e20]), withEdges(randomArray([6], 'int32', 24, -9, 9), [0, -1, 2147483647, -2147483648])],
  },
  {
    name: 'clip',
    build: () => { const x = tensor('float32', [null], 'x'); return { inputs: [x], outputs: [E.clip(x, -1, 0.5)] }; },
    args: () => [randomArray([10], 'float32', 5)],
  },
  {
    name: 'floor-ceil-round/halves-nan-inf',
    build: () => { const x = tensor('float32', [null], 'x'); return { inputs: [x], outputs: [R.floor(x), R.ceil(x), R.round(x)] }; },
    // Halves round to even (0.5 -> 0, 1.5 -> 2, -2.5 -> -2); -0 stays -0; NaN and the infinities pass.
    args: () => [withEdges(randomArray([16], 'float32', 31, -5, 5), [...EDGES, 2.5, 3.5, -0.4, 1e7 + 0.5])],
  },
  {
    name: 'floor-ceil-round/float64-int32',
    build: () => {
      const x = tensor('float64', [null, null], 'x'); const i = tensor('int32', [null], 'i');
      return { inputs: [x, i], outputs: [R.floor(x), R.ceil(x), R.round(x), R.floor(i), R.round(i)] };
    },
    args: () => [withEdges(randomArray([3, 4], 'float64', 32, -5, 5), [0.5, -0.5, 2.5, -1.5, 4503599627370495.5]), randomArray([5], 'int32', 33, -9, 9)],
    skip: skipFloat64('float64'),
  },
  {
    name: 'mod/float32-signs-broadcast',
    build: () => { const a = tensor('float32', [null, null], 'a'); const b = tensor('float32', [1, null], 'b'); return { inputs: [a, b], outputs: [R.mod(a, b)] }; },
    // The result takes the divisor's sign; a zero divisor gives NaN.
    args: () => [withEdges(randomArray([3, 4], 'float32', 34, -7, 7), [-3, 3, -3, 3, 0, -0]), NDArray.from([[2, -2, 0, 3]], 'float32')],
  },
  {
    name: 'mod-floor_div/int32-signs-zero-overflow',
    build: () => { const a = tensor('int32', [null], 'a'); const b = tensor('int32', [null], 'b'); return { inputs: [a, b], outputs: [R.mod(a, b), R.floorDiv(a, b)] }; },
    // Floor semantics on every sign pair, a zero divisor (0 both ways), -2^31 // -1 (wraps) and the int32 extremes.
    args: () => [
      NDArray.from([7, -7, 7, -7, 6, 5, -2147483648, -2147483648, 2147483647, -2147483647, 0, 3], 'int32'),
      NDArray.from([2, 2, -2, -2, 3, 0, -1, 3, -2, 2147483647, -5, 1], 'int32'),
    ],
  },
  {
    name: 'floor_div/float32-and-mixed',
    build: () => {
      const a = tensor('float32', [null], 'a'); const b = tensor('float32', [null], 'b'); const i = tensor('int32', [null], 'i');
      return { inputs: [a, b, i], outputs: [R.floorDiv(a, b), R.floorDiv(a, i), R.floorDiv(i, 2)] };
    },
    args: () => [
      NDArray.from([7.5, -7.5, 1, -1, 0, 1, NaN, Infinity], 'float32'),
      NDArray.from([2, 2, 0.25, 3, 2, 0, 1, 2], 'float32'),
      NDArray.from([2, -2, 3, -3, 1, 5, 1, -1], 'int32'),
    ],
  },
  {
    name: 'floor_div/float64',
    build: () => { const a = tensor('float64', [null], 'a'); const b = tensor('float64', [], 'b'); return { inputs: [a, b], outputs: [R.floorDiv(a, b), R.mod(a, b)] }; },
    args: () => [randomArray([9], 'float64', 35, -10, 10), NDArray.from(-1.75, 'float64')],
    skip: skipFloat64('float64'),
  },
  unary('erf', erf, -4, 4),
  unary('erf', erf, -6, 6, 'float64'),
  binary('user-defined', userDefined, [null, null], [null], [4, 3], [3]),
  {
    name: 'fused-chain',
    build: () => {
      const x = tensor('float32', [null, null], 'x'); const b = tensor('float32', [null], 'b');
      return { inputs: [x, b], outputs: [E.mul(E.sigmoid(E.add(x, b)), E.sub(1, E.tanh(x)))] };
    },
    args: () => [randomArray([5, 4], 'float32', 8), randomArray([4], 'float32', 9)],
  },
];
