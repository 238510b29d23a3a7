import { expect } from 'vitest';
import { compile, evaluate, NDArray, typedArrayFor, type DType, type Variable } from '@hypatia/core';
import { compareArrays } from '@hypatia/ops/backend';
import { getDevice } from './index.js';
import '@hypatia/backends';

// Shared by the lowering tests: whether a WebGPU adapter exists, seeded data, and a comparison with the reference.

/** Without an adapter the tests are skipped with one line saying why; under CI=true that fails the run. */
export const gpuAvailable: boolean = await getDevice().then(() => true, (e: Error) => {
  if (process.env.CI === 'true') throw e;
  console.warn(`WebGPU tests skipped: ${e.message}`);
  return false;
});

/** Dawn can abort at process exit while a device is alive; end it first (pass to afterAll). */
export async function releaseDevice(): Promise<void> {
  (await getDevice()).destroy();
  await new Promise((r) => setTimeout(r, 50));
}

/** Uniform values in [lo, hi) from a small linear congruential generator (integers floored). */
export function seeded(shape: number[], dtype: DType, seed: number, lo = -1, hi = 1): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = typedArrayFor(dtype, n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = lo + (s / 2 ** 32) * (hi - lo);
    data[i] = dtype === 'float32' || dtype === 'float64' ? u : dtype === 'bool' ? (u > (lo + hi) / 2 ? 1 : 0) : Math.floor(u);
  }
  return new NDArray(dtype, shape, data);
}

/** Run `outputs` on webgpu and check each against the reference semantics; returns the GPU results. */
export async function agreesWithReference(inputs: Variable[], outputs: Variable[], args: NDArray[], rtol = 1e-4, atol = 1e-5): Promise<NDArray[]> {
  const want = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
  const got = await (await compile({ inputs, outputs, backend: 'webgpu' }))(...args);
  outputs.forEach((_, k) => expect(compareArrays(want[k]!, got[k]!, rtol, atol), `output ${k}`).toBeNull());
  return got;
}
