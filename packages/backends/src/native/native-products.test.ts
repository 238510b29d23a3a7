import { describe, expect, it } from 'vitest';
import { Dot, MatMul, compareArrays } from '@hypatia/ops';
import { NDArray, compile, evaluate, mulberry32, tensor, type DType, type Variable } from '@hypatia/core';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

/**
 * The blocked gemm against the reference on shapes that cross every block edge (MR=6, NR=8/16,
 * MC=96, KC=256), every transpose combination, vectors, and broadcast batches. One compiled
 * function per dtype computes them all.
 */
const cases: { name: string; a: number[]; b: number[]; make: (a: Variable, b: Variable) => Variable }[] = [];
for (const [m, k, n] of [[1, 1, 1], [4, 5, 3], [7, 17, 33], [97, 300, 35]] as const) {
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      cases.push({
        name: `dot [${m}x${k}]${tA ? 'ᵀ' : ''}·[${k}x${n}]${tB ? 'ᵀ' : ''}`,
        a: tA ? [k, m] : [m, k], b: tB ? [n, k] : [k, n],
        make: (a, b) => new Dot(tA, tB).call(a, b),
      });
    }
  }
}
cases.push(
  { name: 'matrix·vector', a: [9, 13], b: [13], make: (a, b) => new Dot().call(a, b) },
  { name: 'vector·matrix', a: [13], b: [13, 9], make: (a, b) => new Dot().call(a, b) },
  { name: 'vector·vector', a: [300], b: [300], make: (a, b) => new Dot().call(a, b) },
  { name: 'matmul batch broadcast', a: [3, 1, 5, 7], b: [1, 2, 7, 4], make: (a, b) => new MatMul().call(a, b) },
  { name: 'matmul transposed batch', a: [2, 7, 5], b: [2, 4, 7], make: (a, b) => new MatMul(true, true).call(a, b) },
);

function randomArray(shape: readonly number[], dtype: DType, seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

describe('native gemm agrees with the reference', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(dtype, async () => {
      const inputs: Variable[] = [];
      const outputs: Variable[] = [];
      const args: NDArray[] = [];
      cases.forEach((c, i) => {
        const bcast = (s: number[]) => s.map((d, j) => (d === 1 && j < s.length - 2 ? 1 : null));
        const a = tensor(dtype, bcast(c.a), `a${i}`);
        const b = tensor(dtype, bcast(c.b), `b${i}`);
        inputs.push(a, b);
        outputs.push(c.make(a, b));
        args.push(randomArray(c.a, dtype, 2 * i + 1), randomArray(c.b, dtype, 2 * i + 2));
      });
      const want = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
      const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
      expect(fn.executable.describe()).toMatch(/native .* dot/);
      const got = await fn(...args);
      const tol = dtype === 'float32' ? 2e-4 : 1e-12;
      const failures = cases.map((c, i) => {
        const d = compareArrays(want[i]!, got[i]!, tol, tol);
        return d && `${c.name}: ${d}`;
      }).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});
