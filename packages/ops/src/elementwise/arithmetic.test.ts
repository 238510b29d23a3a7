import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, grad, tensor, verifyGrad, mulberry32, type Variable, type DType } from '@hypatia/core';
import * as E from './arithmetic.js';
import { sum } from '../reduce/sum.js';

/** A float64 array of `shape` with entries in [lo, hi), from a fixed seed. */
function rand(shape: readonly number[], seed: number, lo = -2, hi = 2): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float64', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = lo + r() * (hi - lo);
  return a;
}

/** Entries away from zero by at least `gap`, so kinks (abs, relu, max) are not straddled by finite differences. */
function randAway(shape: readonly number[], seed: number, gap = 0.1): NDArray {
  const a = rand(shape, seed);
  for (let i = 0; i < a.size; i++) a.data[i] = a.data[i]! >= 0 ? a.data[i]! + gap : a.data[i]! - gap;
  return a;
}

function run(out: Variable, feeds: [Variable, NDArray][] = []): NDArray {
  return evaluate([out], new Map(feeds))[0]!;
}

describe('elementwise gradients (float64 verifyGrad)', () => {
  const unary: [string, (x: Variable) => Variable, NDArray][] = [
    ['neg', E.neg, rand([3, 4], 1)],
    ['exp', E.exp, rand([3, 4], 2)],
    ['log', E.log, rand([3, 4], 3, 0.2, 3)],
    ['log1p', E.log1p, rand([3, 4], 4, -0.5, 3)],
    ['expm1', E.expm1, rand([3, 4], 5)],
    ['sqrt', E.sqrt, rand([3, 4], 6, 0.2, 3)],
    ['square', E.square, rand([3, 4], 7)],
    ['abs', E.abs, randAway([3, 4], 8)],
    ['sigmoid', E.sigmoid, rand([3, 4], 9, -6, 6)],
    ['softplus', E.softplus, rand([3, 4], 10, -6, 6)],
    ['tanh', E.tanh, rand([3, 4], 11)],
    ['sin', E.sin, rand([3, 4], 14, -4, 4)],
    ['cos', E.cos, rand([3, 4], 15, -4, 4)],
    ['relu', E.relu, randAway([3, 4], 12)],
    ['cast to float64 from float64 (identity)', (x) => E.cast(x, 'float64'), rand([3], 13)],
  ];
  for (const [name, f, point] of unary) {
    it(name, () => {
      verifyGrad(f, [point]);
    });
  }

  const binary: [string, (a: Variable, b: Variable) => Variable, NDArray, NDArray][] = [
    ['add', E.add, rand([3, 4], 20), rand([3, 4], 21)],
    ['sub', E.sub, rand([3, 4], 22), rand([3, 4], 23)],
    ['mul', E.mul, rand([3, 4], 24), rand([3, 4], 25)],
    ['div', E.div, rand([3, 4], 26), rand([3, 4], 27, 0.5, 3)],
    ['pow', E.pow, rand([3, 4], 28, 0.3, 2), rand([3, 4], 29)],
    ['maximum', E.maximum, rand([3, 4], 30), rand([3, 4], 31)],
    ['minimum', E.minimum, rand([3, 4], 32), rand([3, 4], 33)],
  ];
  for (const [name, f, a, b] of binary) {
    it(name, () => {
      verifyGrad(f, [a, b]);
    });
  }

  it('where (gradient flows to the branch chosen)', () => {
    const c = NDArray.from([[1, 0, 1], [0, 0, 1]], 'bool');
    verifyGrad((a, b) => E.where(E.gt(a, 0) as Variable, a, b), [randAway([2, 3], 40), rand([2, 3], 41)]);
    const cv = tensor('bool', [2, 3], 'c');
    const a = tensor('float64', [2, 3], 'a');
    const ga = grad(sum(E.where(cv, a, 0)), a);
    expect(Array.from(run(ga, [[cv, c], [a, rand([2, 3], 1)]]).data)).toEqual([1, 0, 1, 0, 0, 1]);
  });

  it('clip, with the bounds as variables too', () => {
    const x = NDArray.from([-3, -0.5, 0.2, 0.9, 4]);
    verifyGrad((v) => E.clip(v, -1, 1), [x]);
    verifyGrad((v, lo, hi) => E.clip(v, lo, hi), [x, NDArray.from(-1), NDArray.from(1)]);
  });

  it('cast float32 -> float64 and back passes the gradient through in each dtype', () => {
    const x = tensor('float32', [null], 'x');
    const g = grad(sum(E.cast(x, 'float64')), x);
    expect(g.dtype).toBe('float32');
    expect(Array.from(run(g, [[x, NDArray.from([1, 2], 'float32')]]).data)).toEqual([1, 1]);
    // a large step: the function is linear, and a tiny step would vanish in float32 rounding
    verifyGrad((v) => E.mul(E.cast(E.cast(v, 'float32'), 'float64'), 3), [NDArray.from([0.5, -1.25, 2])], { eps: 1e-2, rtol: 1e-4 });
  });

  it('cast to int32 gives no gradient', () => {
    const x = tensor('float64', [null], 'x');
    const g = grad(sum(E.mul(x, E.cast(E.cast(x, 'int32'), 'float64'))), x);
    // d/dx [x * trunc(x)] with trunc treated as constant: trunc(x)
    expect(Array.from(run(g, [[x, NDArray.from([1.5, -2.5, 3.2])]]).data)).toEqual([1, -2, 3]);
  });
});

describe('broadcasting gradients are summed back to each operand shape', () => {
  const cases: [string, readonly number[], readonly number[]][] = [
    ['row + matrix', [1, 4], [3, 4]],
    ['vector + matrix', [4], [3, 4]],
    ['scalar + matrix', [], [3, 4]],
    ['column * matrix', [3, 1], [3, 4]],
  ];
  for (const [name, sa, sb] of cases) {
    for (const [opName, f] of [['add', E.add], ['sub', E.sub], ['mul', E.mul], ['div', E.div], ['maximum', E.maximum], ['pow', E.pow]] as const) {
      it(`${opName}: ${name}`, () => {
        const a = rand(sa, 50, 0.3, 2);
        const b = rand(sb, 51, 0.3, 2);
        verifyGrad((x, y) => f(x, y), [a, b]);
        verifyGrad((x, y) => f(y, x), [a, b]);
      });
    }
  }

  it('the gradient of a row operand keeps the row shape and sums over the rows', () => {
    const r = tensor('float64', [1, 3], 'r');
    const m = tensor('float64', [null, 3], 'm');
    const [gr, gm] = grad(sum(E.mul(r, m)), [r, m]);
    expect(gr!.type.shape).toEqual([1, 3]);
    expect(gm!.type.shape).toEqual([null, 3]);
    const mv = NDArray.from([[1, 2, 3], [10, 20, 30]]);
    const out = run(gr!, [[r, NDArray.from([[1, 1, 1]])], [m, mv]]);
    expect(out.shape).toEqual([1, 3]);
    expect(Array.from(out.data)).toEqual([11, 22, 33]);
  });

  it('where broadcasts its condition and branches', () => {
    verifyGrad((a, b) => E.where(E.lt(a, 0.5) as Variable, a, b), [rand([3, 4], 60), rand([4], 61)]);
  });
});

describe('second derivatives (gradients are graph, so they differentiate again)', () => {
  it('through unary chains', () => {
    verifyGrad((x) => grad(sum(E.mul(E.sigmoid(x), x)), x), [rand([3], 70)]);
    verifyGrad((x) => grad(sum(E.softplus(E.mul(x, x))), x), [rand([5], 71)]);
  });
  it('through broadcasting and its summed gradients', () => {
    verifyGrad((x, r) => grad(sum(E.mul(E.tanh(E.mul(x, r)), r)), r), [rand([3, 4], 72), rand([1, 4], 73)]);
    verifyGrad((x, r) => grad(sum(E.pow(E.add(E.mul(x, x), 1), r)), x), [rand([3, 4], 74), rand([4], 75)]);
    verifyGrad((x, s) => grad(sum(E.div(E.exp(x), E.add(s, 3))), s), [rand([2, 3], 76), rand([], 77)]);
  });
  it('through where', () => {
    verifyGrad((x, y) => grad(sum(E.where(E.gt(x, 0) as Variable, E.mul(x, y), E.sqrt(E.add(E.mul(y, y), 1)))), y), [rand([5], 78), rand([5], 79)]);
  });
});

describe('dtype rules', () => {
  const t = (dtype: DType, name = 'x') => tensor(dtype, [null], name);

  it('a JS number is weakly typed', () => {
    expect(E.add(t('int32'), 1).dtype).toBe('int32');
    expect(E.mul(t('int32'), 2).dtype).toBe('int32');
    expect(E.mul(t('float32'), 2).dtype).toBe('float32');
    expect(E.add(2.5, t('float32')).dtype).toBe('float32');
    expect(E.mul(t('float64'), 0.1).dtype).toBe('float64');
    // a fractional number cannot be int32; it becomes a float
    expect(E.add(t('int32'), 0.5).dtype).toBe('float32');
  });

  it('tensors promote', () => {
    expect(E.add(t('int32'), t('float32')).dtype).toBe('float32');
    expect(E.add(t('float32'), t('float64')).dtype).toBe('float64');
    expect(E.add(t('bool'), t('bool')).dtype).toBe('int32');
  });

  it('integer division gives float32', () => {
    const a = t('int32', 'a');
    const b = t('int32', 'b');
    const q = E.div(a, b);
    expect(q.dtype).toBe('float32');
    const v = run(q, [[a, NDArray.from([7, -7, 1], 'int32')], [b, NDArray.from([2, 2, 3], 'int32')]]);
    expect(Array.from(v.data)).toEqual([3.5, -3.5, Math.fround(1 / 3)]);
  });

  it('comparisons give bool', () => {
    for (const f of [E.lt, E.le, E.gt, E.ge, E.eq, E.neq]) {
      expect(f(t('float32'), t('float32', 'y')).dtype).toBe('bool');
      expect(f(t('int32'), 3).dtype).toBe('bool');
    }
    const x = t('float64');
    const v = run(E.le(x, 1), [[x, NDArray.from([0, 1, 2])]]);
    expect(v.dtype).toBe('bool');
    expect(Array.from(v.data)).toEqual([1, 1, 0]);
  });

  it('int32 arithmetic wraps like int32 and float functions promote', () => {
    const x = t('int32');
    const v = run(E.mul(E.add(x, 1), 3), [[x, NDArray.from([1, -4, 2147483647], 'int32')]]);
    expect(v.dtype).toBe('int32');
    expect(Array.from(v.data)).toEqual([6, -9, (((2147483647 + 1) | 0) * 3) | 0]);
    expect(E.exp(x).dtype).toBe('float32');
    expect(E.sqrt(tensor('float64', [], 'd')).dtype).toBe('float64');
  });

  it('gradients of integer operands are disconnected', () => {
    const i = t('int32', 'i');
    const x = t('float64');
    const g = grad(sum(E.mul(x, i)), x);
    expect(g.dtype).toBe('float64');
    const v = run(g, [[x, NDArray.from([1, 2])], [i, NDArray.from([3, 4], 'int32')]]);
    expect(Array.from(v.data)).toEqual([3, 4]);
  });
});

describe('numerical edge cases', () => {
  it('maximum and minimum propagate NaN from either side', () => {
    const a = tensor('float64', [null], 'a');
    const b = tensor('float64', [null], 'b');
    const feeds: [Variable, NDArray][] = [[a, NDArray.from([NaN, 1, 2])], [b, NDArray.from([1, NaN, 0])]];
    for (const f of [E.maximum, E.minimum]) {
      const v = run(f(a, b), feeds);
      expect(Number.isNaN(v.data[0])).toBe(true);
      expect(Number.isNaN(v.data[1])).toBe(true);
    }
    expect(run(E.maximum(a, b), feeds).data[2]).toBe(2);
    expect(run(E.minimum(a, b), feeds).data[2]).toBe(0);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`sigmoid and softplus are finite at +-1000 (${dtype})`, () => {
      const x = tensor(dtype, [null], 'x');
      const feeds: [Variable, NDArray][] = [[x, NDArray.from([-1000, 1000, 0], dtype)]];
      const s = run(E.sigmoid(x), feeds);
      expect(Array.from(s.data)).toEqual([0, 1, 0.5]);
      const sp = run(E.softplus(x), feeds);
      expect([sp.data[0], sp.data[1]]).toEqual([0, 1000]);
      expect(sp.data[2]).toBeCloseTo(Math.log(2), 6);
      const gs = grad(sum(E.softplus(x)), x);
      const gv = run(gs, feeds);
      expect(Array.from(gv.data)).toEqual([0, 1, 0.5]);
      const gsig = run(grad(sum(E.sigmoid(x)), x), feeds);
      expect(Array.from(gsig.data)).toEqual([0, 0, 0.25]);
    });
  }

  it('softplus matches log(1 + exp(x)) where that is representable', () => {
    const x = tensor('float64', [null], 'x');
    const xs = [-30, -3, -0.1, 0.1, 3, 30];
    const v = run(E.softplus(x), [[x, NDArray.from(xs)]]);
    xs.forEach((z, i) => expect(v.data[i]).toBeCloseTo(Math.log1p(Math.exp(z)), 12));
  });

  it('relu, abs and clip values', () => {
    const x = tensor('float64', [null], 'x');
    const feeds: [Variable, NDArray][] = [[x, NDArray.from([-2, 0, 3])]];
    expect(Array.from(run(E.relu(x), feeds).data)).toEqual([0, 0, 3]);
    expect(Array.from(run(E.abs(x), feeds).data)).toEqual([2, 0, 3]);
    expect(Array.from(run(E.clip(x, -1, 1), feeds).data)).toEqual([-1, 0, 1]);
  });

  it('pow with base 0 has a finite exponent gradient', () => {
    const a = tensor('float64', [null], 'a');
    const b = tensor('float64', [null], 'b');
    const gb = grad(sum(E.pow(a, b)), b);
    const v = run(gb, [[a, NDArray.from([0, 2])], [b, NDArray.from([2, 3])]]);
    expect(v.data[0]).toBe(0);
    expect(v.data[1]).toBeCloseTo(8 * Math.log(2), 12);
  });
});

describe('errors', () => {
  it('a broadcast mismatch names the op and the line that built it', () => {
    const a = tensor('float32', [3, 4], 'a');
    const b = tensor('float32', [5], 'b');
    let message = '';
    try {
      E.add(a, b);
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/^TypeRuleError: add: operands do not broadcast/);
    expect(message).toMatch(/float32\[3, 4\]/);
    expect(message).toMatch(/arithmetic\.test\.ts:\d+/);
  });

  it('a run-time mismatch of unknown dimensions is reported by the op', () => {
    const a = tensor('float64', [null], 'a');
    const b = tensor('float64', [null], 'b');
    expect(() => run(E.mul(a, b), [[a, NDArray.from([1, 2, 3])], [b, NDArray.from([1, 2])]])).toThrow(/mul: at run time: shapes \[3\] and \[2\] do not broadcast/);
  });

  it('a run-time length 1 on an axis not declared broadcastable is refused', () => {
    const a = tensor('float64', [null, null], 'a');
    const b = tensor('float64', [null, null], 'b');
    expect(() => run(E.add(a, b), [[a, NDArray.from([[1, 2, 3]])], [b, NDArray.from([[1, 2, 3], [4, 5, 6]])]])).toThrow(/add: .*not declare that axis broadcastable/);
  });

  it('wrong operand counts are refused', () => {
    const x = tensor('float32', [null], 'x');
    expect(() => (E.add as (...xs: Variable[]) => Variable)(x)).toThrow(/add takes 2 operand/);
    expect(() => (E.exp as (...xs: Variable[]) => Variable)(x, x)).toThrow(/exp takes 1 operand/);
  });
});
