import { describe, expect, it } from 'vitest';
import { encodeModule } from '../wasm-encoder.js';
import { writeLaunchRecord } from '../launch-record.js';
import { relaxedSimdAvailable } from '../wasm-features.js';
import { gemmRoutine, gemmScratchElements, gemmSignature } from './gemm-wasm.js';

/** Runs the gemm routine alone on host arrays: C = op(A)·op(B) with the given strides and offsets. */
function runGemm(dtype: 'float32' | 'float64', relaxed: boolean, A: Float32Array | Float64Array, B: Float32Array | Float64Array, C: Float32Array | Float64Array, params: number[], initialC: Float32Array | Float64Array | null): void {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const bytes = encodeModule({ memory: { module: 'env', name: 'memory', minPages: 1, maxPages: 65536 }, imports: [], functions: [gemmRoutine(dtype, relaxed, 'gemm')] });
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.gemm as (r: number) => number;
  const E = dtype === 'float32' ? 4 : 8;
  const scratch = gemmScratchElements(dtype) * E;
  const need = 64 + A.byteLength + B.byteLength + C.byteLength + scratch + 256;
  memory.grow(Math.ceil(need / 65536));
  let at = 64;
  const place = (n: number) => { const a = at; at += Math.ceil(n / 16) * 16 + 16; return a; };
  const [a, b, c, s, rec] = [place(A.byteLength), place(B.byteLength), place(C.byteLength), place(scratch), place(128)];
  const u8 = new Uint8Array(memory.buffer);
  u8.set(new Uint8Array(A.buffer), a);
  u8.set(new Uint8Array(B.buffer), b);
  if (initialC) u8.set(new Uint8Array(initialC.buffer), c);
  else new Uint8Array(memory.buffer, c, C.byteLength).fill(0xff);
  writeLaunchRecord(memory.buffer, rec, gemmSignature(dtype), params, [a, b, c, s]);
  expect(run(rec)).toBe(0);
  new Uint8Array(C.buffer).set(new Uint8Array(memory.buffer, c, C.byteLength));
}

const values = (n: number, salt: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + salt) * 2);

describe('the WebAssembly SIMD gemm', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const relaxed of [false, ...(relaxedSimdAvailable() ? [true] : [])]) {
      it(`${dtype}${relaxed ? ' (relaxed SIMD)' : ''}: every edge of the register tile and the k-blocks, transposes and offsets, against float64 sums`, () => {
        const T = dtype === 'float32' ? Float32Array : Float64Array;
        const tol = dtype === 'float32' ? 2e-5 : 1e-13;
        for (const [m, n, k] of [[1, 1, 1], [3, 7, 5], [4, 8, 2], [5, 9, 300], [10, 100, 784], [13, 17, 600], [2, 3, 0], [0, 4, 3], [4, 0, 3]]) {
          for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
            const offA = 3, offB = 5, offC = 2;
            const av = values(m * k, 1), bv = values(k * n, 2);
            const A = new T(offA + m * k), B = new T(offB + k * n), C = new T(offC + m * n);
            // op(A)[i, p] lies at offA + i * rsA + p * csA
            const [rsA, csA] = ta ? [1, m] : [k, 1];
            const [rsB, csB] = tb ? [1, k] : [n, 1];
            for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) A[offA + i * rsA + p * csA] = av[i * k + p]!;
            for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) B[offB + p * rsB + j * csB] = bv[p * n + j]!;
            runGemm(dtype, relaxed, A, B, C, [m, n, k, rsA, csA, rsB, csB, offA, offB, offC, 0], null);
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                let want = 0;
                for (let p = 0; p < k; p++) want += (dtype === 'float32' ? Math.fround(av[i * k + p]!) * Math.fround(bv[p * n + j]!) : av[i * k + p]! * bv[p * n + j]!);
                const got = C[offC + i * n + j]!;
                if (!(Math.abs(got - want) <= tol * (1 + Math.sqrt(k)) * 4)) expect.fail(`[${m}x${k}]·[${k}x${n}] ta=${ta} tb=${tb}: C[${i},${j}] is ${got}, expected ${want}`);
              }
            }
          }
        }
      });
    }
  }

  it('adds the product to C when asked (a sum of products over images), k = 0 included', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const T = dtype === 'float32' ? Float32Array : Float64Array;
      for (const [m, n, k] of [[5, 9, 300], [4, 8, 3], [3, 2, 0]]) {
        const A = T.from(values(m * k, 3)), B = T.from(values(k * n, 4));
        const C0 = T.from(values(m * n, 5));
        const C = new T(m * n);
        runGemm(dtype, false, A, B, C, [m, n, k, k, 1, n, 1, 0, 0, 0, 1], C0);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let want = C0[i * n + j]!;
            for (let p = 0; p < k; p++) want += A[i * k + p]! * B[p * n + j]!;
            expect(Math.abs(C[i * n + j]! - want)).toBeLessThan(1e-4);
          }
        }
      }
    }
  });
});
