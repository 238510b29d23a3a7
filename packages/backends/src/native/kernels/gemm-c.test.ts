import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@hypatia/core';
import type { AddonExports } from '../addon-source.js';
import { buildGemmTestAddon } from '../testing/gemm-test-addon.js';
import { gemmKernelC } from './gemm-c.js';

/**
 * The gemm kernel called directly (no graph): every (m, n, k) below against a float64 loop over the
 * same strided views, with A and B transposed or not, padded rows (strides larger than the width),
 * non-zero offsets and k = 0. The shapes cross every tile edge (MR=12 or 6, NR=16/32 for float and
 * 8/16 for double with AVX-512, half that without, KC=256, MC=96) and
 * reach both drivers and every tile height (12, 8, 4 rows with AVX-512VL; 6, 4 without) (direct: network3's thin products; packed: m, n, k all large; dots: a small C over a long k). A second build
 * with HYP_GEMM_PAR_MIN=1 runs even the smallest product on every thread, so the threaded splits
 * are checked too, as are the 6-row tiles used where AVX-512 is missing (HYP_GEMM_NARROW); C is
 * preceded and followed by sentinels, which shows the kernel writes exactly its m x n block.
 */
const shapes: [number, number, number][] = [
  [1, 1, 1], [4, 3, 5], [7, 33, 17], [6, 16, 256], [13, 17, 0],
  [10, 100, 784], [784, 100, 10], [100, 10, 10], [10, 100, 10], [10, 784, 100], [10, 100, 2880],
  [97, 35, 300], [200, 130, 300], [100, 70, 513], [9, 48, 33], [30, 65, 270], [200, 200, 70],
  // Small C, long k: with A's rows and B's columns contiguous, the dot-product path (k past the last full vector too).
  [6, 7, 777], [13, 30, 1001],
  // Few rows times a transposed B (the swapped path): one row, one and two vectors of rows (exactly and
  // one past), n = 100 = 3·32 + 4 and other tile edges, k past a vector and past KC.
  ...swappedShapes(),
];

/** m <= NR (32 floats with AVX-512): C = A·Bᵀ runs as Cᵀ = B·Aᵀ when B is transposed. */
function swappedShapes(): [number, number, number][] {
  return [[1, 100, 100], [1, 7, 3], [16, 100, 17], [17, 100, 300], [32, 40, 513], [10, 2880, 100], [3, 13, 258]];
}

type Arr = Float32Array | Float64Array;

interface View { rows: number; cols: number; rs: number; cs: number; off: number; data: Arr }

/** A rows x cols operand stored transposed or not, with `pad` unused elements after each stored row and `off` before the first. */
function operand(C: new (n: number) => Arr, rows: number, cols: number, trans: boolean, pad: number, off: number, seed: number): View {
  const [sr, sc] = trans ? [cols, rows] : [rows, cols];
  const ld = sc + pad;
  const data = new C(off + sr * ld + 1);
  const r = mulberry32(seed);
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
  return trans ? { rows, cols, rs: 1, cs: ld, off, data } : { rows, cols, rs: ld, cs: 1, off, data };
}

function expected(a: View, b: View): Float64Array {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let q = 0; q < a.cols; q++) s += a.data[a.off + i * a.rs + q * a.cs]! * b.data[b.off + q * b.rs + j * b.cs]!;
      out[i * b.cols + j] = s;
    }
  }
  return out;
}

const build = (dtype: 'float32' | 'float64', parMin?: number, narrow = false) => buildGemmTestAddon('gemm', dtype, { parMin, narrow });

function check(addon: AddonExports, dtype: 'float32' | 'float64'): string[] {
  const C = dtype === 'float32' ? Float32Array : Float64Array;
  const tol = dtype === 'float32' ? 1e-4 : 1e-12;
  const failures: string[] = [];
  let seed = 1;
  for (const [m, n, k] of shapes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const pad = seed % 3, offC = 5;
        const a = operand(C, m, k, tA, pad, 3, seed++);
        const b = operand(C, k, n, tB, 2 - pad, 7, seed++);
        const out = new C(offC + m * n + 5).fill(NaN);
        addon.run(0, [a.data, b.data, out], Float64Array.from([m, n, k, a.rs, a.cs, b.rs, b.cs, a.off, b.off, offC]));
        const want = expected(a, b);
        const label = `[${m}x${k}]${tA ? 'ᵀ' : ''}·[${k}x${n}]${tB ? 'ᵀ' : ''}`;
        const worst = want.reduce((w, x, i) => Math.max(w, Math.abs(out[offC + i]! - x) / (1 + Math.abs(x))), 0);
        if (!(worst <= tol * Math.max(1, Math.sqrt(k)))) failures.push(`${label}: relative error ${worst}`);
        const outside = [...out.subarray(0, offC), ...out.subarray(offC + m * n)];
        if (!outside.every(Number.isNaN)) failures.push(`${label}: wrote outside C`);
      }
    }
  }
  return failures;
}

/** op(B) of the given values (k x n, row-major) stored as they are or transposed. */
function layout(values: Float32Array | Float64Array, k: number, n: number, trans: boolean): View {
  if (!trans) return { rows: k, cols: n, rs: n, cs: 1, off: 0, data: values };
  const data = new (values.constructor as new (n: number) => Arr)(k * n);
  for (let q = 0; q < k; q++) for (let j = 0; j < n; j++) data[j * k + q] = values[q * n + j]!;
  return { rows: k, cols: n, rs: 1, cs: k, off: 0, data };
}

function run(addon: AddonExports, a: View, b: View): Arr {
  const out = new (a.data.constructor as new (n: number) => Arr)(a.rows * b.cols);
  addon.run(0, [a.data, b.data, out], Float64Array.from([a.rows, b.cols, a.cols, a.rs, a.cs, b.rs, b.cs, a.off, b.off, 0]));
  return out;
}

describe('gemm kernel', () => {
  // gcc inlines the micro-kernel once per tile shape and path (a dozen copies): an accumulating
  // product's write-back inside it cost ~0.9 s of gcc -O3 per dtype, so it is one shared function.
  it('the inlined micro-kernel holds no accumulating write-back; one out-of-line function does', () => {
    const code = gemmKernelC('g', 'float32', undefined, true);
    const body = (fn: string) => code.slice(code.indexOf(`void hyp_gemm_f32_${fn}(`), code.indexOf('\n}\n', code.indexOf(`void hyp_gemm_f32_${fn}(`)));
    expect(body('micro_rv')).not.toMatch(/alpha|beta/);
    expect(body('micro_rv')).toContain('hyp_gemm_f32_write_back(');
    expect(body('write_back')).toMatch(/keep \* o/);
    expect(code).toMatch(/__attribute__\(\(noinline, optimize\("fp-contract=off"\)\)\) void hyp_gemm_f32_write_back\(/);
  });
  for (const dtype of ['float32', 'float64'] as const) {
    // Every element is computed by one thread in one k order, whichever path the shape takes.
    it(`${dtype}: every shape and transpose gives the same bits on one thread and on two`, async () => {
      const addon = await build(dtype, 1);
      const C = dtype === 'float32' ? Float32Array : Float64Array;
      const differ: string[] = [];
      let seed = 50;
      for (const [m, n, k] of shapes) {
        for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const a = operand(C, m, k, tA, 1, 2, seed++), b = operand(C, k, n, tB, 0, 1, seed++);
          addon.setThreads(1);
          const one = run(addon, a, b);
          addon.setThreads(2);
          const two = run(addon, a, b);
          if (!one.every((x, i) => Object.is(x, two[i]))) differ.push(`[${m}x${k}]${tA ? 'ᵀ' : ''}·[${k}x${n}]${tB ? 'ᵀ' : ''}`);
        }
      }
      expect(differ).toEqual([]);
    });
    // A transposed B with few rows is read in place by the swapped product, which sums each element's
    // k-blocks in the order the direct path does for an untransposed B: the same bits either way.
    it(`${dtype}: few rows times a transposed B give the bits of the untransposed B`, async () => {
      const addon = await build(dtype, 1);
      const C = dtype === 'float32' ? Float32Array : Float64Array;
      const differ: string[] = [];
      let seed = 100;
      for (const [m, n, k] of swappedShapes()) {
        const a = operand(C, m, k, false, 1, 2, seed++);
        const values = operand(C, k, n, false, 0, 0, seed++).data.subarray(0, k * n);
        const [plain, transposed] = [false, true].map((trans) => run(addon, a, layout(values, k, n, trans)));
        if (!plain!.every((x, i) => Object.is(x, transposed![i]))) differ.push(`[${m}x${k}]·[${k}x${n}]`);
      }
      expect(differ).toEqual([]);
    });
  }
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: every shape, transpose, stride and offset, with the default threading`, async () => {
      expect(check(await build(dtype), dtype)).toEqual([]);
    });
    it(`${dtype}: the same with every product split between threads`, async () => {
      expect(check(await build(dtype, 1), dtype)).toEqual([]);
    });
    it(`${dtype}: the same with the 6-row tiles and 32-byte vectors of a machine without AVX-512, threaded and not`, async () => {
      expect(check(await build(dtype, 1, true), dtype)).toEqual([]);
      expect(check(await build(dtype, undefined, true), dtype)).toEqual([]);
    });
  }
});
