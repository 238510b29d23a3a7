import { describe, expect, it } from 'vitest';
import { NDArray, mulberry32, runProgramJS, tensor, type Apply, type DType, type Variable } from '@hypatia/core';
import { kernelsAgainstPerform } from '../testing/kernel-checks.js';
import { Dot } from './dot.js';
import { MatMul } from './matmul.js';
import { gemm } from './gemm-kernel.js';

function values(shape: readonly number[], dtype: DType, seed: number, big = false): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) {
    a.data[i] = dtype === 'int32' ? (big ? Math.floor(r() * 2 ** 32) - 2 ** 31 : Math.floor(r() * 9) - 4) : r() * 2 - 1;
  }
  return a;
}

const transposed = (x: NDArray): NDArray => {
  const [r, c] = x.shape as [number, number];
  const t = NDArray.zeros(x.dtype, [c, r]);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t.data[j * r + i] = x.data[i * c + j]!;
  return t;
};

/** The node's kernels (JavaScript printer) against its perform, bit for bit. */
function expectKernelsMatchPerform(v: Variable, args: readonly NDArray[]): NDArray {
  const { diff, want } = kernelsAgainstPerform(v, args);
  expect(diff).toBeNull();
  return want;
}

const sym = (dtype: DType, shape: readonly number[], name: string) => tensor(dtype, shape.map((d) => (d === 1 ? 1 : null)), name);

describe('dot and matmul kernels agree with perform bit for bit', () => {
  const dots: [boolean, boolean, number[], number[]][] = [
    [false, false, [7], [7]], [false, false, [3, 7], [7]], [false, false, [7], [7, 4]], [false, false, [3, 7], [7, 4]],
    [true, false, [7, 3], [7, 4]], [false, true, [3, 7], [4, 7]], [true, true, [7, 3], [4, 7]], [true, false, [7, 3], [7]], [false, true, [7], [4, 7]],
    [false, false, [3, 0], [0, 4]], [false, false, [0, 5], [5, 2]], [false, false, [5, 301], [301, 9]],
  ];
  const dtypes: [DType, DType][] = [['float32', 'float32'], ['float64', 'float64'], ['int32', 'int32'], ['int32', 'float32'], ['float32', 'float64']];
  for (const [da, db] of dtypes) {
    it(`dot, every operand form, ${da} · ${db}`, () => {
      for (const [tA, tB, sa, sb] of dots) {
        const y = new Dot(tA, tB).call(sym(da, sa, 'a'), sym(db, sb, 'b'));
        expectKernelsMatchPerform(y, [values(sa, da, 1, true), values(sb, db, 2, true)]);
      }
    });
  }

  it('matmul with broadcast batch axes, transposed operands and every dtype', () => {
    const cases: [boolean, boolean, number[], number[]][] = [
      [false, false, [2, 3, 4], [2, 4, 5]], [false, false, [2, 1, 3, 4], [3, 4, 2]], [true, false, [2, 4, 3], [1, 4, 5]],
      [false, true, [3, 4], [2, 2, 5, 4]], [true, true, [2, 4, 3], [2, 5, 4]], [false, false, [2, 3, 0], [2, 0, 4]],
    ];
    for (const [da, db] of dtypes) {
      for (const [tA, tB, sa, sb] of cases) {
        const y = new MatMul(tA, tB).call(sym(da, sa, 'a'), sym(db, sb, 'b'));
        expectKernelsMatchPerform(y, [values(sa, da, 3, true), values(sb, db, 4, true)]);
      }
    }
  });

  it('NaN and infinities propagate as in perform', () => {
    const a = NDArray.from([[1, NaN, 2], [Infinity, 0, 1], [1, 2, 3]], 'float32');
    const b = NDArray.from([[1, 0], [0, 1], [-Infinity, 1]], 'float32');
    expectKernelsMatchPerform(new Dot().call(sym('float32', [3, 3], 'a'), sym('float32', [3, 2], 'b')), [a, b]);
  });
});

describe('the reference gemm', () => {
  it('rounds float32 sums once, so a product is the same number whichever way its operands are read', () => {
    const a = values([6, 301], 'float32', 5), b = values([301, 7], 'float32', 6);
    const plain = expectKernelsMatchPerform(new Dot().call(sym('float32', [6, 301], 'a'), sym('float32', [301, 7], 'b')), [a, b]);
    const readT = expectKernelsMatchPerform(new Dot(true, true).call(sym('float32', [301, 6], 'a'), sym('float32', [7, 301], 'b')), [transposed(a), transposed(b)]);
    const readB = expectKernelsMatchPerform(new Dot(false, true).call(sym('float32', [6, 301], 'a'), sym('float32', [7, 301], 'b')), [a, transposed(b)]);
    expect(Array.from(readT.data)).toEqual(Array.from(plain.data));
    expect(Array.from(readB.data)).toEqual(Array.from(plain.data));
    // The one rounding: each element is the double sum, in order, rounded to float32.
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 7; j++) {
        let s = 0;
        for (let p = 0; p < 301; p++) s += a.data[i * 301 + p]! * b.data[p * 7 + j]!;
        expect(plain.data[i * 7 + j]).toBe(Math.fround(s));
      }
    }
  });

  it('accumulating the contraction in parts gives the one sum in order (conv2d_grad_filters\' image batches)', () => {
    for (const [tA, tB] of [[false, false], [false, true], [true, true]] as const) {
      const a = values([40, 5], 'float32', 9), b = values([40, 3], 'float32', 10);
      // op(A) = aᵀ [5 x 40] and op(B) = b [40 x 3], stored as each transposition reads them.
      const A = tA ? a : transposed(a), B = tB ? transposed(b) : b;
      const whole = new Float64Array(15), parts = new Float64Array(15);
      gemm({ data: A.data, offset: 0 }, { data: B.data, offset: 0 }, { data: whole, offset: 0 }, 5, 3, 40, tA, tB);
      // The first 17 terms, then the other 23 added on: rows of A/B (or columns, transposed) split the same way.
      const slice = (x: NDArray, rows: [number, number], byRows: boolean): Float32Array => {
        const [r, c] = x.shape as [number, number];
        const out = new Float32Array((rows[1] - rows[0]) * (byRows ? c : r));
        if (byRows) out.set(x.data.subarray(rows[0] * c, rows[1] * c) as Float32Array);
        else for (let i = 0; i < r; i++) for (let j = rows[0]; j < rows[1]; j++) out[i * (rows[1] - rows[0]) + j - rows[0]] = x.data[i * c + j]!;
        return out;
      };
      for (const [lo, hi] of [[0, 17], [17, 40]] as [number, number][]) {
        gemm({ data: slice(A, [lo, hi], tA), offset: 0 }, { data: slice(B, [lo, hi], !tB), offset: 0 }, { data: parts, offset: 0 }, 5, 3, hi - lo, tA, tB, lo > 0);
      }
      expect(Array.from(parts)).toEqual(Array.from(whole));
    }
  });

  it('multiplies int32 exactly modulo 2^32, past 2^53', () => {
    const a = values([3, 9], 'int32', 7, true), b = values([9, 2], 'int32', 8, true);
    const y = expectKernelsMatchPerform(new Dot().call(sym('int32', [3, 9], 'a'), sym('int32', [9, 2], 'b')), [a, b]);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 2; j++) {
        let s = 0n;
        for (let p = 0; p < 9; p++) s += BigInt(a.data[i * 9 + p]!) * BigInt(b.data[p * 2 + j]!);
        expect(y.data[i * 2 + j]).toBe(Number(BigInt.asIntN(32, s)));
      }
    }
  });
});

describe('product plans make perform\'s checks', () => {
  it('inner lengths that differ at run time', () => {
    const y = new Dot().call(tensor('float32', [null, null], 'a'), tensor('float32', [null, null], 'b'));
    const node = y.owner!;
    const args = [NDArray.zeros('float32', [2, 3]), NDArray.zeros('float32', [4, 2])];
    expect(() => node.op.perform(args, node)).toThrow(/dot: at run time, inner dimensions do not match: \[2, 3\] · \[4, 2\] \(3 vs 4\)/);
    expect(() => runProgramJS(node, node.op.kernels!(node)!, args)).toThrow(/dot: at run time, inner dimensions do not match: \[2, 3\] · \[4, 2\] \(3 vs 4\)/);
  });

  it('batch axes that do not broadcast', () => {
    const y = new MatMul().call(tensor('float32', [null, 2, 3], 'a'), tensor('float32', [null, 3, 2], 'b'));
    const node = y.owner!;
    const args = [NDArray.zeros('float32', [2, 2, 3]), NDArray.zeros('float32', [3, 3, 2])];
    expect(() => node.op.perform(args, node)).toThrow(/matmul: at run time, batch dimensions/);
    expect(() => runProgramJS(node, node.op.kernels!(node)!, args)).toThrow(/matmul: at run time, batch dimensions/);
  });
});
