import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NDArray, compile, matrix, type DType } from '@hypatia/core';
import { dot } from '@hypatia/ops';
import { encodeModule } from '../wasm-encoder.js';
import { writeLaunchRecord } from '../launch-record.js';
import { linearMemory } from '../linear-memory.js';
import { WasmBackend } from '../wasm-backend.js';
import { threadPoolFor } from '../wasm-threads.js';
import { GEMM_SCRATCH_BYTES, gemmRoutine, gemmScratchElements, gemmSignature, gemmWalk } from './gemm-wasm.js';

/** [m, n, k]: thin rows and columns, odd edges, empty, k = 0 and several k-blocks (KC = 256). */
const SHAPES = [[1, 1, 1], [10, 100, 784], [100, 10, 784], [3, 7, 5], [13, 17, 600], [5, 9, 300], [20, 25, 576], [40, 64, 500], [9, 33, 257], [2, 3, 0], [0, 4, 3], [4, 0, 3], [1, 200, 9], [200, 1, 9]];
const PARTS = [2, 3, 5, 16];

const values = (n: number, salt: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + salt) * 2);

/**
 * C = A·B by the whole routine, then by the walk's shares 0..parts-1 one after another (C first
 * filled with a marker, so an element no share writes, or two shares write differently, shows).
 */
function wholeAndShares(dtype: 'float32' | 'float64', m: number, n: number, k: number, trans: [boolean, boolean], addTo: number, parts: number) {
  const E = dtype === 'float32' ? 4 : 8;
  const T = dtype === 'float32' ? Float32Array : Float64Array;
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  let at = 64;
  const place = (bytes: number) => { const a = at; at += Math.ceil(bytes / 16) * 16 + 16; return a; };
  const [offA, offB, offC] = [3, 5, 2];
  const A = new T(offA + m * k), B = new T(offB + k * n), C0 = T.from(values(offC + m * n, 5));
  const [rsA, csA] = trans[0] ? [1, m] : [k, 1];
  const [rsB, csB] = trans[1] ? [1, k] : [n, 1];
  const av = values(m * k, 1), bv = values(k * n, 2);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) A[offA + i * rsA + p * csA] = av[i * k + p]!;
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) B[offB + p * rsB + j * csB] = bv[p * n + j]!;
  const [a, b, c, s] = [place(A.byteLength), place(B.byteLength), place(C0.byteLength), place(gemmScratchElements(dtype) * E)];
  const workers = place((parts - 1) * GEMM_SCRATCH_BYTES);
  const rec = place(128);
  memory.grow(Math.ceil(at / 65536));
  const module = new WebAssembly.Module(encodeModule({
    memory: { module: 'env', name: 'memory', minPages: 1, maxPages: 65536 }, imports: [],
    functions: [gemmRoutine(dtype, false, 'gemm'), gemmWalk(dtype, false, workers, 'walk')],
  }));
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as { gemm: (r: number) => number; walk: (r: number, part: number, parts: number, axis: number) => number };
  const u8 = () => new Uint8Array(memory.buffer);
  u8().set(new Uint8Array(A.buffer), a);
  u8().set(new Uint8Array(B.buffer), b);
  writeLaunchRecord(memory.buffer, rec, gemmSignature(dtype), [m, n, k, rsA, csA, rsB, csB, offA, offB, offC, addTo], [a, b, c, s]);
  const run = (go: () => void) => {
    u8().set(new Uint8Array(addTo ? C0.buffer : new T(C0.length).fill(Number.NaN).buffer), c);
    go();
    return Array.from(new T(memory.buffer.slice(c, c + C0.byteLength)));
  };
  const whole = run(() => expect(ex.gemm(rec)).toBe(0));
  const shares = run(() => {
    for (let p = 0; p < parts; p++) expect(ex.walk(rec, p, parts, 0)).toBe(0);
  });
  // Elements each share writes alone: the shares divide C between them.
  const written = Array.from({ length: parts }, (_, p) => run(() => ex.walk(rec, p, parts, 0)).slice(offC).filter((v, i) => !Object.is(v, addTo ? C0[offC + i] : Number.NaN)).length);
  return { whole, shares, written };
}

describe("the gemm's shares", () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: shares 0..parts-1 of the walk write every element of C with the bits of the whole routine`, () => {
      for (const [m, n, k] of SHAPES) {
        for (const trans of [[false, false], [true, true], [false, true]] as [boolean, boolean][]) {
          for (const addTo of [0, 1]) {
            for (const parts of PARTS) {
              const { whole, shares, written } = wholeAndShares(dtype, m!, n!, k!, trans, addTo, parts);
              // Object.is tells NaN (an element left unwritten) and -0 apart.
              const differ = whole.findIndex((v, i) => !Object.is(v, shares[i]));
              if (differ >= 0) expect.fail(`[${m}x${k}]·[${k}x${n}] trans=${trans} addTo=${addTo} in ${parts} shares: C[${differ}] is ${shares[differ]}, one share gives ${whole[differ]}`);
              expect(whole.slice(2).some((v) => Number.isNaN(v))).toBe(false);
              if (!addTo && k! > 0) expect(written.reduce((x, y) => x + y, 0), `[${m}x${k}]·[${k}x${n}] in ${parts} shares`).toBe(m! * n!);
            }
          }
        }
      }
    });
  }
});

describe('the gemm shared between worker threads', () => {
  // Every product with more than one tile of C forks.
  beforeAll(() => {
    process.env.HYPATIA_WASM_PAR_MIN = '1';
  });
  afterAll(() => {
    delete process.env.HYPATIA_WASM_PAR_MIN;
  });

  async function product(dtype: DType, threads: number) {
    const x = matrix('x', dtype);
    const y = matrix('y', dtype);
    return compile({ inputs: [x, y], outputs: dot(x, y), backend: new WasmBackend(), backendOptions: { threads } });
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: dot on two threads gives the bits of one thread, and forks when C has more than one register tile`, async () => {
      const pool = (await threadPoolFor(linearMemory(), 2))!;
      expect(pool.threads).toBeGreaterThanOrEqual(2);
      const [two, one] = [await product(dtype, 2), await product(dtype, 1)];
      for (const [m, n, k] of SHAPES) {
        const a = NDArray.from(values(m! * k!, 1), dtype).reshape([m!, k!]);
        const b = NDArray.from(values(k! * n!, 2), dtype).reshape([k!, n!]);
        const forks = pool.forks;
        const [got, want] = [await two(a, b), await one(a, b)];
        expect(got.shape).toEqual([m, n]);
        expect(Array.from(got.data)).toEqual(Array.from(want.data));
        if (k! > 0 && (m! > 4 || n! > (dtype === 'float32' ? 8 : 4))) expect(pool.forks, `[${m}x${k}]·[${k}x${n}] forks`).toBeGreaterThan(forks);
      }
    });
  }
});
