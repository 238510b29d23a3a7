import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, tensor, verifyGrad, mulberry32, grad, type DType, type Variable } from '@hypatia/core';
import '@hypatia/backends';
import { mul } from '../elementwise/arithmetic.js';
import { Dot, dot, outer } from './dot.js';
import { transpose } from '../shape/dimshuffle.js';
import { sum } from '../reduce/sum.js';

function rand(shape: number[], seed: number, dtype: DType = 'float64'): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'int32' ? Math.floor(r() * 7) - 3 : r() * 2 - 1;
  return a;
}

/** Textbook triple loop on nested arrays, with vectors promoted as NumPy does. */
function naiveDot(a: NDArray, b: NDArray): number[] | number[][] | number {
  const A = (a.ndim === 1 ? [a.toArray()] : a.toArray()) as number[][];
  const B = (b.ndim === 1 ? (b.toArray() as number[]).map((v) => [v]) : b.toArray()) as number[][];
  const C = A.map((row) => B[0]!.map((_, j) => row.reduce((s, v, p) => s + v * B[p]![j]!, 0)));
  if (a.ndim === 1 && b.ndim === 1) return C[0]![0]!;
  if (a.ndim === 1) return C[0]!;
  if (b.ndim === 1) return C.map((r) => r[0]!);
  return C;
}

function transposeArray(x: NDArray): NDArray {
  const [r, c] = x.shape as [number, number];
  const out = NDArray.zeros(x.dtype, [c, r]);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out.data[j * r + i] = x.data[i * c + j]!;
  return out;
}

function expectClose(got: NDArray, want: unknown, digits = 10): void {
  const flat = [want].flat(3) as number[];
  expect(got.size).toBe(flat.length);
  flat.forEach((v, i) => expect(got.data[i]).toBeCloseTo(v, digits));
}

describe('dot values', () => {
  const cases: [string, number[], number[]][] = [
    ['vector·vector', [5], [5]],
    ['matrix·vector', [3, 5], [5]],
    ['vector·matrix', [5], [5, 4]],
    ['matrix·matrix', [3, 5], [5, 4]],
    ['large blocked matrix·matrix', [3, 133], [133, 260]],
  ];
  for (const [label, sa, sb] of cases) {
    it(label, () => {
      const a = tensor('float64', sa.map(() => null), 'a');
      const b = tensor('float64', sb.map(() => null), 'b');
      const A = rand(sa, 1), B = rand(sb, 2);
      const [out] = evaluate([dot(a, b)], new Map([[a, A], [b, B]]));
      expect(out!.shape).toEqual(sa.length === 2 && sb.length === 2 ? [sa[0], sb[1]] : sa.length === 2 ? [sa[0]] : sb.length === 2 ? [sb[1]] : []);
      expectClose(out!, naiveDot(A, B), 9);
    });
  }

  for (const [tA, tB] of [[true, false], [false, true], [true, true]] as const) {
    it(`reads operands transposed (transA=${tA}, transB=${tB}), also past the blocking sizes`, () => {
      for (const [m, k, n] of [[3, 4, 5], [2, 130, 258]] as const) {
        const A = rand([m, k], 3), B = rand([k, n], 4);
        const As = tA ? transposeArray(A) : A, Bs = tB ? transposeArray(B) : B;
        const a = tensor('float64', [null, null], 'a'), b = tensor('float64', [null, null], 'b');
        const [out] = evaluate([new Dot(tA, tB).call(a, b)], new Map([[a, As], [b, Bs]]));
        expect(out!.shape).toEqual([m, n]);
        expectClose(out!, naiveDot(A, B), 9);
      }
    });
  }

  it('gets every contraction length right (the kernel unrolls by four, then two, then one)', () => {
    for (let k = 1; k <= 9; k++) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const A = rand([3, k], 30 + k), B = rand([k, 5], 40 + k);
        const a = tensor('float64', [null, null], 'a'), b = tensor('float64', [null, null], 'b');
        const [out] = evaluate([new Dot(tA, tB).call(a, b)], new Map([[a, tA ? transposeArray(A) : A], [b, tB ? transposeArray(B) : B]]));
        expectClose(out!, naiveDot(A, B), 12);
      }
    }
  });

  it('folds a transposed operand into the op instead of copying it', () => {
    const a = tensor('float64', [4, 3], 'a'), b = tensor('float64', [4, 2], 'b');
    const c = dot(transpose(a), b);
    expect(c.owner!.op.key()).toBe(new Dot(true, false).key());
    expect(c.owner!.inputs[0]).toBe(a);
    const A = rand([4, 3], 5), B = rand([4, 2], 6);
    expectClose(evaluate([c], new Map([[a, A], [b, B]]))[0]!, naiveDot(transposeArray(A), B));
  });

  it('upcasts mixed dtypes, multiplies int32 exactly and writes float32 results', () => {
    const a = tensor('float32', [2, 3], 'a'), b = tensor('float64', [3], 'b');
    expect(dot(a, b).dtype).toBe('float64');
    const i = tensor('int32', [2, 3], 'i'), j = tensor('int32', [3, 2], 'j');
    const I = rand([2, 3], 7, 'int32'), J = rand([3, 2], 8, 'int32');
    const [out] = evaluate([dot(i, j)], new Map([[i, I], [j, J]]));
    expect(out!.dtype).toBe('int32');
    expect(out!.toArray()).toEqual(naiveDot(I, J));
    const f = tensor('float32', [2, 3], 'f'), F = rand([2, 3], 9, 'float32'), G = rand([3, 2], 10, 'float32');
    const g = tensor('float32', [3, 2], 'g');
    const [o32] = evaluate([dot(f, g)], new Map([[f, F], [g, G]]));
    expect(o32!.dtype).toBe('float32');
    expectClose(o32!, naiveDot(F, G), 5);
  });

  it('rewrites its previous output buffer correctly across calls on the reference backend', async () => {
    const a = tensor('float64', [null, null], 'a'), b = tensor('float64', [null, null], 'b');
    const f = await compile({ inputs: [a, b], outputs: [mul(dot(a, b), 2)], backend: 'reference' });
    for (const [m, seed] of [[3, 1], [3, 2], [5, 3]] as const) {
      const A = rand([m, 4], seed), B = rand([4, 2], seed + 10);
      const [out] = await f(A, B);
      expectClose(out!, (naiveDot(A, B) as number[][]).map((r) => r.map((x) => 2 * x)));
    }
  });

  it('computes outer products', () => {
    const a = tensor('float64', [3], 'a'), b = tensor('float64', [2], 'b');
    const [out] = evaluate([outer(a, b)], new Map([[a, NDArray.from([1, 2, 3])], [b, NDArray.from([4, 5])]]));
    expect(out!.toArray()).toEqual([[4, 5], [8, 10], [12, 15]]);
  });
});

describe('dot gradients', () => {
  const shapes: [string, number[], number[]][] = [
    ['vector·vector', [4], [4]],
    ['matrix·vector', [3, 4], [4]],
    ['vector·matrix', [4], [4, 2]],
    ['matrix·matrix', [3, 4], [4, 2]],
  ];
  for (const [label, sa, sb] of shapes) {
    it(label, () => {
      verifyGrad((a, b) => dot(a, b), [rand(sa, 11), rand(sb, 12)]);
    });
  }
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`matrix·matrix with transA=${tA}, transB=${tB}`, () => {
      verifyGrad((a, b) => new Dot(tA, tB).call(a, b), [rand(tA ? [4, 3] : [3, 4], 13), rand(tB ? [2, 4] : [4, 2], 14)]);
    });
  }
  it('matrix transposed · vector and vector · matrix transposed', () => {
    verifyGrad((a, b) => new Dot(true, false).call(a, b), [rand([4, 3], 15), rand([4], 16)]);
    verifyGrad((a, b) => new Dot(false, true).call(a, b), [rand([4], 17), rand([2, 4], 18)]);
  });
  it('second order: the gradient of a gradient through transposed products', () => {
    verifyGrad((a, b) => {
      const c = sum(dot(dot(a, b), transpose(b)));
      return grad(c, a);
    }, [rand([3, 4], 19), rand([4, 2], 20)]);
  });
  it('outer', () => {
    verifyGrad((a, b) => outer(a, b), [rand([3], 21), rand([2], 22)]);
  });
  it('gives float32 operands float32 gradients and integer operands none', () => {
    const a = tensor('float32', [2, 3], 'a'), b = tensor('float64', [3, 2], 'b');
    const [ga, gb] = grad(sum(dot(a, b)), [a, b]);
    expect(ga!.type.toString()).toBe('float32[2, 3]');
    expect(gb!.type.toString()).toBe('float64[3, 2]');
    const i = tensor('int32', [3, 2], 'i');
    const gx = grad(sum(dot(a, i)), a);
    expect(gx.type.toString()).toBe('float32[2, 3]');
  });
});

describe('dot errors', () => {
  it('names both shapes when the inner dimensions differ', () => {
    const x = tensor('float32', [10, 784], 'x'), w = tensor('float32', [100, 10], 'w');
    expect(() => dot(x, w)).toThrow(/dot: inner dimensions do not match: \[10, 784\] · \[100, 10\] \(784 vs 100\)/);
  });
  it('checks unknown dimensions at run time', () => {
    const x = tensor('float64', [null, null], 'x'), w = tensor('float64', [null, null], 'w');
    expect(() => evaluate([dot(x, w)], new Map([[x, rand([2, 3], 1)], [w, rand([4, 2], 2)]]))).toThrow(/dot: at run time, inner dimensions do not match: \[2, 3\] · \[4, 2\] \(3 vs 4\)/);
  });
  it('rejects scalars, 3-d tensors and bools', () => {
    const s = tensor('float32', [], 's'), t3 = tensor('float32', [2, 2, 2], 't'), m = tensor('float32', [2, 2], 'm');
    expect(() => dot(s, m)).toThrow(/dot: the left operand must be a vector or a matrix, got 0 dimensions/);
    expect(() => dot(m, t3)).toThrow(/dot: the right operand .* got 3 dimensions \(use matmul/);
    expect(() => dot(tensor('bool', [2], 'b'), tensor('bool', [2], 'c'))).toThrow(/dot: the left operand is bool/);
    expect(() => new Dot(true, false).call(tensor('float32', [2], 'v') as Variable, m)).toThrow(/dot: transA needs a matrix/);
  });
  it('outer takes vectors', () => {
    expect(() => outer(tensor('float32', [2, 2], 'm'), tensor('float32', [2], 'v'))).toThrow(/outer: takes two vectors/);
  });
});
