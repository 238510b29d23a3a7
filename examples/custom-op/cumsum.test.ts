import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, matrix, runProgramJS, vector, verifyGrad } from '@hypatia/core';
import { runProgramWasm } from '@hypatia/backends';
import { cumsum } from './cumsum.js';
import { trainWithCumsum } from './main.js';

// WebGPU runs where an adapter exists (SwiftShader in CI, where its absence is a failure).
const webgpu = await compile({ inputs: [vector('v')], outputs: [cumsum(vector('w'))].slice(0, 0), backend: 'webgpu' }).then(() => true, (e: Error) => {
  if (process.env.CI === 'true') throw e;
  console.warn(`WebGPU case skipped: ${e.message}`);
  return false;
});

describe('custom op example (cumsum, a kernel in the IR)', () => {
  it('sums along the last axis, from either end, and its gradient is the other direction', () => {
    const x = NDArray.from([[1, 2, 3], [4, -5, 6]], 'float64');
    const v = matrix('x', 'float64');
    const [f, r] = evaluate([cumsum(v), cumsum(v, true)], new Map([[v, x]]));
    expect(Array.from(f!.data)).toEqual([1, 3, 6, 4, -1, 5]);
    expect(Array.from(r!.data)).toEqual([6, 5, 3, 5, 1, 6]);
    verifyGrad((a) => cumsum(a), [x]);
    verifyGrad((a) => cumsum(a, true), [x]);
  });

  it('its kernel computes what perform computes, bit for bit, printed as JavaScript and as WebAssembly', () => {
    const v = matrix('x');
    for (const reverse of [false, true]) {
      const node = cumsum(v, reverse).owner!;
      const x = NDArray.from([[0.1, 0.2, 0.3, 1e7], [3, -1e-3, 2, 0]], 'float32');
      const want = node.op.perform([x], node)[0]!;
      for (const run of [runProgramJS, runProgramWasm]) {
        expect(Array.from(run(node, node.op.kernels!(node)!, [x])[0]!.data)).toEqual(Array.from(want.data));
      }
    }
  });

  it('trains compiled on native with no host op, as on the reference backend', async () => {
    const [ref, nat] = [await trainWithCumsum('reference', 100), await trainWithCumsum('native', 100)];
    expect(ref.finalLoss).toBeLessThan(ref.initialLoss * 0.2);
    expect(nat.hostOps).toBe(0);
    expect(Math.abs(nat.finalLoss - ref.finalLoss)).toBeLessThan(1e-4);
  });

  it.runIf(webgpu)('trains on WebGPU (its kernel printed as WGSL) as on the reference backend', async () => {
    const [ref, gpu] = [await trainWithCumsum('reference', 100), await trainWithCumsum('webgpu', 100)];
    expect(Math.abs(gpu.finalLoss - ref.finalLoss)).toBeLessThan(1e-4);
  });

  it('pnpm custom-op --json ends with one line naming both ops', () => {
    const out = execFileSync('npx', ['tsx', 'examples/custom-op/main.ts', '--backend', 'native', '--json'], { encoding: 'utf8' });
    const last = JSON.parse(out.trim().split('\n').pop()!);
    expect(last.backend).toBe('native');
    expect(last.ops.map((o: { name: string; elementwise: boolean; hostOps: number }) => [o.name, o.elementwise, o.hostOps])).toEqual([['swish', true, 0], ['cumsum', false, 0]]);
    for (const o of last.ops) expect(o.finalLoss).toBeLessThan(o.initialLoss);
  }, 60_000);
});
