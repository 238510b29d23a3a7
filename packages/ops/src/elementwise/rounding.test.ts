import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, grad, ivector, mulberry32, tensor, vector, verifyGrad, type Variable } from '@hypatia/core';
import { ceil, floor, floorDiv, mod, round } from './rounding.js';
import { erf } from './erf.js';
import { mul } from './arithmetic.js';
import { sum } from '../reduce/sum.js';

/** float64 entries in [lo, hi) at least 0.05 from an integer multiple of `step`, so finite differences do not straddle a jump. */
function awayFromJumps(n: number, seed: number, lo: number, hi: number, step = 1): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float64', [n]);
  for (let i = 0; i < n; i++) {
    let v = lo + r() * (hi - lo);
    const f = v / step - Math.floor(v / step);
    if (f < 0.05) v += 0.05 * step;
    if (f > 0.95) v -= 0.05 * step;
    a.data[i] = v;
  }
  return a;
}

const run = (out: Variable, feeds: [Variable, NDArray][]) => evaluate([out], new Map(feeds))[0]!;

describe('rounding ops', () => {
  it('round halves to even, floor and ceil as Math does', () => {
    const x = vector('x');
    const v = NDArray.from([0.5, 1.5, 2.5, -0.5, -1.5, -2.7, 2.2, -0], 'float32');
    expect(Array.from(run(round(x), [[x, v]]).data)).toEqual([0, 2, 2, -0, -2, -3, 2, -0]);
    expect(Array.from(run(floor(x), [[x, v]]).data)).toEqual([0, 1, 2, -1, -2, -3, 2, -0]);
    expect(Array.from(run(ceil(x), [[x, v]]).data)).toEqual([1, 2, 3, -0, -1, -2, 3, -0]);
  });

  it('keep the dtype: int32 in, int32 out', () => {
    const i = ivector('i');
    expect(floor(i).dtype).toBe('int32');
    expect(round(i).dtype).toBe('int32');
  });

  it('mod and floorDiv follow NumPy on int32: floor semantics, 0 for a zero divisor', () => {
    const a = ivector('a');
    const b = ivector('b');
    const av = NDArray.from([7, -7, 7, -7, 5, -2147483648], 'int32');
    const bv = NDArray.from([2, 2, -2, -2, 0, -1], 'int32');
    expect(floorDiv(a, b).dtype).toBe('int32');
    expect(Array.from(run(floorDiv(a, b), [[a, av], [b, bv]]).data)).toEqual([3, -4, -4, 3, 0, -2147483648]);
    expect(Array.from(run(mod(a, b), [[a, av], [b, bv]]).data)).toEqual([1, 1, -1, -1, 0, 0]);
  });

  it('floorDiv on floats is floor(a / b)', () => {
    const a = vector('a');
    expect(Array.from(run(floorDiv(a, 2), [[a, NDArray.from([7.5, -7.5, 0, -0.5], 'float32')]]).data)).toEqual([3, -4, 0, -1]);
  });
});

describe('rounding gradients (float64 verifyGrad)', () => {
  it('floor, ceil and round have a zero gradient, as Theano: zeros, not disconnected', () => {
    const x = vector('x', 'float64');
    for (const f of [floor, ceil, round, (v: Variable) => floorDiv(v, 3)]) {
      const g = grad(sum(mul(f(x), x)), x);
      const xv = NDArray.from([0.3, -1.7, 2.2], 'float64');
      // d/dx (f(x) * x) = f(x) where f is flat.
      expect(Array.from(run(g, [[x, xv]]).data)).toEqual(Array.from(run(f(x), [[x, xv]]).data));
      verifyGrad(f, [awayFromJumps(6, 1, -4, 4, 3)]);
    }
  });

  it('a cost reaching a weight only through floor differentiates to zeros', () => {
    const x = vector('x', 'float64');
    const g = run(grad(sum(floor(x)), x), [[x, NDArray.from([1.5, -2.5], 'float64')]]);
    expect(Array.from(g.data)).toEqual([0, 0]);
  });

  it('mod: g for the dividend, -floor(a / b) g for the divisor', () => {
    verifyGrad(mod, [awayFromJumps(6, 2, -9, 9, 2.5), NDArray.from([2.5, 2.5, -2.5, -2.5, 2.5, -2.5], 'float64')]);
    // The divisor's gradient, checked where a / b stays away from an integer.
    verifyGrad((b) => mod(NDArray.from([7.3, -7.3, 4.1], 'float64'), b!), [NDArray.from([2.2, 2.2, -1.5], 'float64')]);
  });

  it('erf: 2/sqrt(pi) exp(-x^2)', () => {
    verifyGrad(erf, [awayFromJumps(8, 3, -3, 3, 10)]);
  });

  it('integer operands get no gradient path', () => {
    const x = tensor('float64', [null], 'x');
    const i = ivector('i');
    const g = grad(sum(mul(x, floorDiv(i, 2))), x);
    expect(Array.from(run(g, [[x, NDArray.from([1, 1], 'float64')], [i, NDArray.from([5, -5], 'int32')]]).data)).toEqual([2, -3]);
  });
});
