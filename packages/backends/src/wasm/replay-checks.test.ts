import { describe, expect, it } from 'vitest';
import { NDArray, compileKernelJS, type Apply } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';
import { resolveRegion } from '@hypatia/ops/backend';
import { regionKernel, regionParams, sameKernel } from './replay-checks.js';
import { runKernelWasm } from './run-wasm.js';

const node = { site: undefined } as unknown as Apply;

/** Every combination of a few bound values, on a 2-D x: a slice with scalar start, stop and step on axis 0, an index on axis 1. */
describe('replay checks as IR kernels', () => {
  it('the region kernel accepts exactly the bounds resolveRegion accepts with the recorded shape, and places the view where it starts', () => {
    const indices: AxisIndex[] = [
      { kind: 'slice', start: { input: 0 }, stop: { input: 1 }, step: { input: 2 } },
      { kind: 'index', at: { input: 3 } },
    ];
    const xShape = [7, 3];
    const k = regionKernel(indices, 2, 4, true);
    const run = compileKernelJS(k);
    const recorded = resolveRegion(indices, xShape, [2, 6, 1, -1].map((v) => NDArray.from(v, 'int32')), 'subtensor', node);
    const steps = [1, null];
    const [src, dst, esize, srcAt] = [1, 2, 4, 1000];
    const values = [-9, -3, -1, 0, 2, 4, 6, 8];
    let accepted = 0;
    for (const start of values) for (const stop of values) for (const step of [-2, -1, 0, 1, 2]) for (const at of [-4, -3, 0, 2, 3]) {
      const scalars = [start, stop, step, at].map((v) => Int32Array.of(v));
      let want: number | null = null;
      try {
        const r = resolveRegion(indices, xShape, scalars.map((s) => new NDArray('int32', [], s)), 'subtensor', node);
        if (r.shape[0] === recorded.shape[0] && step === steps[0]) want = srcAt + r.base * esize;
      } catch {
        want = null;
      }
      const params = regionParams(indices, xShape, recorded, steps, { src, dst, esize });
      const tables = [Int32Array.of(0, srcAt, -1), Int32Array.of(0, srcAt, -1)];
      const failedJs = run([...scalars.map((s) => Int32Array.from(s)), tables[0]!], params);
      const failedWasm = runKernelWasm(k, [...scalars.map((s) => Int32Array.from(s)), tables[1]!], params);
      expect([failedJs, failedWasm], `start ${start}, stop ${stop}, step ${step}, at ${at}`).toEqual([want === null, want === null]);
      if (want !== null) {
        accepted++;
        expect([tables[0]![dst], tables[1]![dst]]).toEqual([want, want]);
      }
    }
    expect(accepted).toBeGreaterThan(10);
  });

  it('the same kernel fails when a scalar no longer holds the recorded value (NaN never does)', () => {
    for (const [dtype, v, ok, bad] of [['int32', 4, 4, 5], ['float64', 0.5, 0.5, 0.25], ['float32', -2, -2, 2]] as const) {
      const k = sameKernel(dtype);
      const arr = (x: number) => (dtype === 'int32' ? Int32Array.of(x) : dtype === 'float32' ? Float32Array.of(x) : Float64Array.of(x));
      expect(runKernelWasm(k, [arr(ok), Float64Array.of(v)], [])).toBe(false);
      expect(runKernelWasm(k, [arr(bad), Float64Array.of(v)], [])).toBe(true);
    }
    expect(runKernelWasm(sameKernel('float64'), [Float64Array.of(NaN), Float64Array.of(NaN)], [])).toBe(true);
  });
});
