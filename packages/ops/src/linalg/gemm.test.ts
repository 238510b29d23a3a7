import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, mulberry32, tensor, verifyGrad } from '@hypatia/core';
import { Dot } from './dot.js';
import { Gemm } from './gemm.js';

function rand(shape: number[], seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float64', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

const m = (name: string, shape: (number | null)[] = [null, null]) => tensor('float64', shape, name);
const s = (name: string) => tensor('float64', [], name);

describe('Gemm', () => {
  it('computes β·Z + α·op(X)·op(Y), X read transposed when its Dot says so', () => {
    const [x, y, z, a, b] = [m('x'), m('y'), m('z'), s('a'), s('b')];
    const out = new Gemm(new Dot(true, false), 'float64').call(x, y, z, a, b);
    const [X, Y, Z] = [rand([4, 3], 1), rand([4, 5], 2), rand([3, 5], 3)];
    const [got] = evaluate([out], new Map([[x, X], [y, Y], [z, Z], [a, NDArray.from(-0.25, 'float64')], [b, NDArray.from(1.5, 'float64')]]));
    expect(got!.shape).toEqual([3, 5]);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 5; j++) {
        let p = 0;
        for (let q = 0; q < 4; q++) p += X.data[q * 3 + i]! * Y.data[q * 5 + j]!;
        expect(got!.data[i * 5 + j]).toBeCloseTo(1.5 * Z.data[i * 5 + j]! - 0.25 * p, 12);
      }
    }
  });

  it('has the gradient of the graph it stands for, in every operand', () => {
    const gemm = new Gemm(new Dot(false, true), 'float64');
    const report = verifyGrad((x, y, z, a, b) => gemm.call(x!, y!, z!, a!, b!), [rand([3, 4], 4), rand([2, 4], 5), rand([3, 2], 6), NDArray.from(0.7, 'float64'), NDArray.from(-1.2, 'float64')]);
    expect(report.maxRelError).toBeLessThan(1e-5);
  });

  it('refuses what is not a gemm of matrices: a vector operand, a non-scalar α, a broadcast Z, mixed dtypes', () => {
    const gemm = new Gemm(new Dot(), 'float64');
    expect(() => gemm.call(tensor('float64', [null], 'v'), m('y'), m('z'), s('a'), s('b'))).toThrow(/gemm: .*multiplies two matrices/);
    expect(() => gemm.call(m('x'), m('y'), m('z'), tensor('float64', [null], 'a'), s('b'))).toThrow(/takes scalar alpha and beta/);
    expect(() => gemm.call(m('x'), m('y'), m('z', [1, null]), s('a'), s('b'))).toThrow(/Z of type .* does not have the product's shape/);
    expect(() => gemm.call(m('x', [3, 4]), m('y', [4, 5]), m('z', [3, 6]), s('a'), s('b'))).toThrow(/does not broadcast|does not have the product's shape/);
    expect(() => gemm.call(tensor('float32', [null, null], 'x'), m('y'), m('z'), s('a'), s('b'))).toThrow(/computes in float64/);
  });
});
