import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, tensor, verifyGrad, mulberry32, grad, type Dim } from '@hypatia/core';
import { MatMul, matmul } from './matmul.js';
import { Dot } from './dot.js';
import { sum } from '../reduce/sum.js';

function rand(shape: number[], seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float64', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

/** Reference: index arithmetic straight from the definition, with NumPy's broadcasting of batch axes. */
function naiveMatmul(a: NDArray, b: NDArray): { shape: number[]; data: number[] } {
  const A = a.ndim === 1 ? a.reshape([1, a.shape[0]!]) : a;
  const B = b.ndim === 1 ? b.reshape([b.shape[0]!, 1]) : b;
  const [m, k] = A.shape.slice(-2) as [number, number];
  const n = B.shape[B.ndim - 1]!;
  const ba = A.shape.slice(0, -2), bb = B.shape.slice(0, -2);
  const nb = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: nb }, (_, i) => Math.max(ba[i - nb + ba.length] ?? 1, bb[i - nb + bb.length] ?? 1));
  const data: number[] = [];
  const count = batch.reduce((x, y) => x * y, 1);
  const flatIndex = (own: number[], idx: number[]) => own.reduce((acc, d, i) => acc * d + (d === 1 ? 0 : idx[i + idx.length - own.length]!), 0);
  for (let t = 0; t < count; t++) {
    const idx: number[] = [];
    let r = t;
    for (let d = nb - 1; d >= 0; d--) { idx[d] = r % batch[d]!; r = Math.floor(r / batch[d]!); }
    const oa = flatIndex(ba, idx) * m * k, ob = flatIndex(bb, idx) * k * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A.data[oa + i * k + p]! * B.data[ob + p * n + j]!;
      data.push(s);
    }
  }
  const shape = [...batch, ...(a.ndim === 1 ? [] : [m]), ...(b.ndim === 1 ? [] : [n])];
  return { shape, data };
}

const sym = (shape: number[], name: string, broadcastable = false) =>
  tensor('float64', shape.map((d): Dim => (broadcastable && d === 1 ? 1 : null)), name);

describe('matmul values', () => {
  const cases: [number[], number[]][] = [
    [[2, 3, 4], [2, 4, 5]],
    [[2, 3, 4], [4, 5]],
    [[3, 4], [2, 4, 5]],
    [[2, 1, 3, 4], [5, 4, 2]],
    [[4], [2, 4, 5]],
    [[2, 3, 4], [4]],
    [[3, 4], [4, 5]],
    [[4], [4]],
  ];
  for (const [sa, sb] of cases) {
    it(`[${sa}] @ [${sb}]`, () => {
      const a = sym(sa, 'a', true), b = sym(sb, 'b', true);
      const A = rand(sa, 1), B = rand(sb, 2);
      const [out] = evaluate([matmul(a, b)], new Map([[a, A], [b, B]]));
      const want = naiveMatmul(A, B);
      expect(out!.shape).toEqual(want.shape);
      want.data.forEach((w, i) => expect(out!.data[i]).toBeCloseTo(w, 10));
    });
  }

  it('uses Dot when both operands have at most two dimensions', () => {
    expect(matmul(sym([3, 4], 'a'), sym([4, 5], 'b')).owner!.op).toBeInstanceOf(Dot);
    expect(matmul(sym([2, 3, 4], 'a'), sym([4, 5], 'b')).owner!.op).toBeInstanceOf(MatMul);
  });

  for (const [tA, tB] of [[true, false], [false, true], [true, true]] as const) {
    it(`reads the last two axes transposed (transA=${tA}, transB=${tB})`, () => {
      const A = rand([2, 3, 4], 3), B = rand([2, 4, 5], 4);
      const swap = (x: NDArray) => {
        const [bt, r, c] = x.shape as [number, number, number];
        const o = NDArray.zeros('float64', [bt, c, r]);
        for (let t = 0; t < bt; t++) for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) o.data[t * r * c + j * r + i] = x.data[t * r * c + i * c + j]!;
        return o;
      };
      const a = sym([2, 3, 4], 'a'), b = sym([2, 4, 5], 'b');
      const [out] = evaluate([new MatMul(tA, tB).call(a, b)], new Map([[a, tA ? swap(A) : A], [b, tB ? swap(B) : B]]));
      naiveMatmul(A, B).data.forEach((w, i) => expect(out!.data[i]).toBeCloseTo(w, 10));
    });
  }
});

describe('matmul gradients', () => {
  const cases: [number[], number[]][] = [
    [[2, 3, 4], [2, 4, 2]],
    [[2, 3, 4], [4, 2]],
    [[3, 4], [2, 4, 2]],
    [[2, 1, 3, 4], [3, 4, 2]],
    [[4], [2, 4, 2]],
    [[2, 3, 4], [4]],
  ];
  for (const [sa, sb] of cases) {
    it(`[${sa}] @ [${sb}]`, () => {
      verifyGrad((a, b) => matmul(a, b), [rand(sa, 5), rand(sb, 6)]);
    });
  }
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`transA=${tA}, transB=${tB} with a broadcast batch axis`, () => {
      verifyGrad((a, b) => new MatMul(tA, tB).call(a, b), [rand(tA ? [2, 4, 3] : [2, 3, 4], 7), rand(tB ? [2, 4] : [4, 2], 8)]);
    });
  }
  it('sums the gradient over a statically broadcastable batch axis', () => {
    const a = tensor('float64', [1, 3, 4], 'a'), b = tensor('float64', [5, 4, 2], 'b');
    const ga = grad(sum(matmul(a, b)), a);
    expect(ga.type.toString()).toBe('float64[1, 3, 4]');
  });
});

describe('matmul errors', () => {
  it('names both shapes when the inner dimensions differ', () => {
    expect(() => matmul(tensor('float32', [2, 10, 784], 'x'), tensor('float32', [2, 100, 10], 'w')))
      .toThrow(/matmul: inner dimensions do not match: \[2, 10, 784\] · \[2, 100, 10\] \(784 vs 100\)/);
  });
  it('rejects batch axes that do not broadcast', () => {
    expect(() => matmul(tensor('float32', [2, 3, 4], 'x'), tensor('float32', [3, 4, 5], 'w'))).toThrow(/matmul: batch dimensions do not broadcast/);
  });
  it('checks unknown batch axes at run time (only static 1s stretch)', () => {
    const x = sym([2, 3, 4], 'x'), w = sym([1, 4, 5], 'w');
    expect(() => evaluate([matmul(x, w)], new Map([[x, rand([2, 3, 4], 1)], [w, rand([3, 4, 5], 2)]]))).toThrow(/matmul: at run time, batch dimensions/);
    expect(() => evaluate([matmul(x, w)], new Map([[x, rand([2, 3, 4], 1)], [w, rand([1, 4, 5], 2)]]))).toThrow(/matmul: at run time operand 1 has length 1 on batch axis 0 .* not declare that axis broadcastable/);
    const wb = sym([1, 4, 5], 'wb', true);
    expect(evaluate([matmul(x, wb)], new Map([[x, rand([2, 3, 4], 1)], [wb, rand([1, 4, 5], 2)]]))[0]!.shape).toEqual([2, 3, 5]);
  });
  it('rejects scalars', () => {
    expect(() => matmul(tensor('float32', [], 's'), tensor('float32', [2, 2, 2], 'w'))).toThrow(/matmul: operands must have at least one dimension/);
  });
});
