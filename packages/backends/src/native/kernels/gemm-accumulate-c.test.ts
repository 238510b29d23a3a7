import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@hypatia/core';
import type { AddonExports } from '../addon-source.js';
import { buildGemmTestAddon } from '../testing/gemm-test-addon.js';

/**
 * The accumulating gemm (C = β·Z + α·op(A)·op(B), a Gemm node's kernel) called directly, against a
 * float64 loop, with Z a separate array and with Z C's own buffer (an update written in place).
 * The shapes are network3's weight updates (784x100 from k = 10 and 100 examples, 2880x100 from 10,
 * 100x10) and ones that reach every path: k past the k-block (KC = 256) so that later k-blocks
 * add into what the first wrote, the packed path, the dot products of a small C over a long k, and
 * k = 0 (C = β·Z). Builds: default threading, every product split between threads, and the 6-row
 * tiles of a machine without AVX-512.
 */
const shapes: [number, number, number][] = [
  [784, 100, 10], [784, 100, 100], [2880, 100, 10], [100, 10, 10], [100, 10, 100],
  [1, 1, 1], [7, 33, 17], [97, 35, 300], [30, 65, 270], [13, 17, 0],
  [200, 200, 70], [200, 130, 300], [6, 7, 777], [13, 30, 1001],
];

type Arr = Float32Array | Float64Array;

function filled(C: new (n: number) => Arr, n: number, seed: number): Arr {
  const r = mulberry32(seed);
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

const build = (dtype: 'float32' | 'float64', parMin?: number, narrow = false) => buildGemmTestAddon('gemm_acc', dtype, { parMin, narrow, accumulate: true });

function check(addon: AddonExports, dtype: 'float32' | 'float64'): string[] {
  const C = dtype === 'float32' ? Float32Array : Float64Array;
  const tol = dtype === 'float32' ? 1e-4 : 1e-12;
  const failures: string[] = [];
  let seed = 1;
  for (const [m, n, k] of shapes) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const inPlace of [false, true]) {
        const a = filled(C, m * k, seed++), b = filled(C, k * n, seed++), z = filled(C, m * n, seed++);
        const [alpha, beta] = [-0.1 - (seed % 5) * 0.3, 0.999 - (seed % 3)];
        const [rsA, csA] = tA ? [1, m] : [k, 1];
        const [rsB, csB] = tB ? [1, k] : [n, 1];
        const want = new Float64Array(m * n);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let q = 0; q < k; q++) s += a[i * rsA + q * csA]! * b[q * rsB + j * csB]!;
            want[i * n + j] = beta * z[i * n + j]! + alpha * s;
          }
        }
        // In place C is Z's buffer; otherwise C sits between sentinels that must stay NaN.
        const offC = inPlace ? 0 : 5;
        const out = inPlace ? z : new C(offC + m * n + 5).fill(NaN);
        const scalars = [C.from([alpha]), C.from([beta])];
        addon.run(0, [a, b, out, z, ...scalars], Float64Array.from([m, n, k, rsA, csA, rsB, csB, 0, 0, offC]));
        const label = `[${m}x${k}]${tA ? 'ᵀ' : ''}·[${k}x${n}]${tB ? 'ᵀ' : ''}${inPlace ? ' in place' : ''}`;
        const worst = want.reduce((w, x, i) => Math.max(w, Math.abs(out[offC + i]! - x) / (1 + Math.abs(x))), 0);
        if (!(worst <= tol * Math.max(1, Math.sqrt(k)))) failures.push(`${label}: relative error ${worst}`);
        if (!inPlace && ![...out.subarray(0, offC), ...out.subarray(offC + m * n)].every(Number.isNaN)) failures.push(`${label}: wrote outside C`);
      }
    }
  }
  return failures;
}

/**
 * C's columns when every column of B and of Z is the same: they must be equal to the bit, whichever
 * tile (a whole number of vectors wide or a partial one) and path wrote them.
 */
function columnsDiffer(addon: AddonExports, dtype: 'float32' | 'float64'): string[] {
  const C = dtype === 'float32' ? Float32Array : Float64Array;
  const failures: string[] = [];
  for (const [m, n, k] of [[13, 35, 20], [30, 19, 7], [97, 50, 300], [7, 131, 3], [6, 7, 777], [13, 30, 1001], [3, 40, 500]]) {
    const a = filled(C, m * k, m + n), col = filled(C, k, k), zcol = filled(C, m, n);
    const b = new C(k * n), z = new C(m * n);
    for (let q = 0; q < k; q++) b.fill(col[q]!, q * n, (q + 1) * n);
    for (let i = 0; i < m; i++) z.fill(zcol[i]!, i * n, (i + 1) * n);
    const out = new C(m * n);
    addon.run(0, [a, b, out, z, C.from([-0.37]), C.from([0.9991])], Float64Array.from([m, n, k, k, 1, n, 1, 0, 0, 0]));
    for (let i = 0; i < m; i++) {
      for (let j = 1; j < n; j++) {
        if (!Object.is(out[i * n + j], out[i * n])) { failures.push(`${m}x${n}x${k}: C[${i}][${j}] = ${out[i * n + j]}, C[${i}][0] = ${out[i * n]}`); break; }
      }
    }
  }
  return failures;
}

describe('accumulating gemm kernel (β·Z + α·op(A)·op(B))', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: equal columns of B and Z give equal columns of C, from whole and partial tiles alike`, async () => {
      expect(columnsDiffer(await build(dtype), dtype)).toEqual([]);
      expect(columnsDiffer(await build(dtype, 1, true), dtype)).toEqual([]);
    });
  }
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: every path, Z apart and in place, with the default threading`, async () => {
      expect(check(await build(dtype), dtype)).toEqual([]);
    });
    it(`${dtype}: the same with every product split between threads`, async () => {
      expect(check(await build(dtype, 1), dtype)).toEqual([]);
    });
  }
  it('float32: the same with the 6-row tiles and 32-byte vectors of a machine without AVX-512, threaded and not', async () => {
    expect(check(await build('float32', 1, true), 'float32')).toEqual([]);
    expect(check(await build('float32', undefined, true), 'float32')).toEqual([]);
  });
});
