import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, mulberry32, stridesOf, tensor, verifyGrad, type DType, type Variable } from '@hypatia/core';
import { tensordot, type TensordotAxes } from './tensordot.js';

function rand(shape: number[], seed: number, dtype: DType = 'float64'): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'int32' ? Math.floor(r() * 20 - 10) : r() * 4 - 2;
  return a;
}

/** tensordot by its definition: every output element sums the products over the paired axes. */
function naive(a: NDArray, b: NDArray, ax: number[], bx: number[]): NDArray {
  const freeA = a.shape.map((_, d) => d).filter((d) => !ax.includes(d));
  const freeB = b.shape.map((_, d) => d).filter((d) => !bx.includes(d));
  const outShape = [...freeA.map((d) => a.shape[d]!), ...freeB.map((d) => b.shape[d]!)];
  const summed = ax.map((d) => a.shape[d]!);
  const [sa, sb] = [stridesOf(a.shape), stridesOf(b.shape)];
  const out = NDArray.zeros(a.dtype, outShape);
  const unflat = (i: number, shape: number[]) => shape.map((_, d) => Math.floor(i / shape.slice(d + 1).reduce((p, q) => p * q, 1)) % shape[d]!);
  for (let o = 0; o < out.size; o++) {
    const oi = unflat(o, outShape);
    let s = 0;
    for (let k = 0; k < summed.reduce((p, q) => p * q, 1); k++) {
      const ki = unflat(k, summed);
      let ia = 0;
      let ib = 0;
      freeA.forEach((d, j) => { ia += oi[j]! * sa[d]!; });
      freeB.forEach((d, j) => { ib += oi[freeA.length + j]! * sb[d]!; });
      ax.forEach((d, j) => { ia += ki[j]! * sa[d]!; });
      bx.forEach((d, j) => { ib += ki[j]! * sb[d]!; });
      s += a.data[ia]! * b.data[ib]!;
    }
    out.data[o] = s;
  }
  return out;
}

const run = (out: Variable, feeds: [Variable, NDArray][]) => evaluate([out], new Map(feeds))[0]!;

describe('tensordot', () => {
  const cases: [string, number[], number[], TensordotAxes, number[], number[]][] = [
    ['default: the last two of a with the first two of b', [2, 3, 4], [3, 4, 5], 2, [1, 2], [0, 1]],
    ['axes = 1 is a matrix product', [3, 4], [4, 2], 1, [1], [0]],
    ['axes = 0 is the outer product', [2, 3], [4], 0, [], []],
    ['explicit pairs, out of order, negative', [4, 2, 3], [3, 5, 4], [[0, -1], [2, 0]], [0, 2], [2, 0]],
    ['every axis summed: a scalar', [2, 3], [2, 3], [[0, 1], [0, 1]], [0, 1], [0, 1]],
    ['an empty summed axis gives zeros', [2, 0], [0, 3], 1, [1], [0]],
  ];
  for (const [name, sa, sb, axes, ax, bx] of cases) {
    it(`${name}, with static and with unknown lengths`, () => {
      const av = rand(sa, 1);
      const bv = rand(sb, 2);
      const want = naive(av, bv, ax, bx);
      for (const known of [true, false]) {
        const a = tensor('float64', known ? sa : sa.map(() => null), 'a');
        const b = tensor('float64', known ? sb : sb.map(() => null), 'b');
        const out = tensordot(a, b, axes);
        if (known) expect(out.shape).toEqual(want.shape);
        const got = run(out, [[a, av], [b, bv]]);
        expect(got.shape).toEqual(want.shape);
        got.data.forEach((v, i) => expect(v).toBeCloseTo(want.data[i]!, 12));
      }
    });
  }

  it('works on int32', () => {
    const a = tensor('int32', [null, null, null], 'a');
    const b = tensor('int32', [null, null], 'b');
    const [av, bv] = [rand([2, 3, 4], 3, 'int32'), rand([4, 3], 4, 'int32')];
    const got = run(tensordot(a, b, [[1, 2], [1, 0]]), [[a, av], [b, bv]]);
    expect(Array.from(got.data)).toEqual(Array.from(naive(av, bv, [1, 2], [1, 0]).data));
  });

  it('refuses axes that do not pair, naming the operands', () => {
    const a = tensor('float32', [2, 3], 'a');
    const b = tensor('float32', [4, 3], 'b');
    expect(() => tensordot(a, b, 1)).toThrow(/tensordot: axis 1 of a \(float32\[2, 3\]\) has length 3 but axis 0 of b \(float32\[4, 3\]\) has 4/);
    expect(() => tensordot(a, b, [[0], [0, 1]])).toThrow(/tensordot: pairs 1 axes of a with 2 axes of b/);
    expect(() => tensordot(a, b, 3)).toThrow(/tensordot: cannot sum over the last 3 axes/);
    expect(() => tensordot(a, b, [[1, 1], [1, 0]])).toThrow(/tensordot: an axis is paired twice/);
  });

  it('differentiates through the composition (float64 verifyGrad)', () => {
    verifyGrad((a, b) => tensordot(a!, b!, [[0, 2], [1, 0]]), [rand([3, 2, 4], 5), rand([4, 3, 2], 6)]);
    verifyGrad((a, b) => tensordot(a!, b!, 0), [rand([2], 7), rand([3, 2], 8)]);
  });
});
