import { afterAll, describe, expect, it, vi } from 'vitest';
import { compile, grad, matrix, NDArray, scalar, shared, vector } from '@hypatia/core';
import { booleanMask, cast, dot, gt, mul, sigmoid, sub, sum } from '@hypatia/ops';
import { BrowserCpuBackend } from './browser-cpu-backend.js';
import { gpuAvailable, releaseDevice } from './webgpu/gpu-test-helpers.js';

// The browser's 'cpu' backend on a real WebGPU device (Dawn here): a page's training loop keeps its
// weights on the GPU, and a graph WebGPU cannot run still reads them.

const XS = NDArray.from([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]], 'float32');
const W0 = () => NDArray.from([[0.1, -0.2], [0.3, 0.05], [-0.1, 0.2]], 'float32');

async function trainer(backend: BrowserCpuBackend | string) {
  const x = matrix('x');
  const w = shared(W0(), 'w');
  const cost = sum(sigmoid(dot(x, w)));
  const step = await compile({ inputs: [x], outputs: cost, updates: [[w, sub(w, mul(grad(cost, w), 0.5))]], backend });
  return { w, step };
}

describe.runIf(gpuAvailable)("the browser's 'cpu' backend on WebGPU", () => {
  afterAll(releaseDevice);

  it('keeps the updated weights on the GPU: no call reads them back', async () => {
    const cpu = new BrowserCpuBackend();
    const gpu = await trainer(cpu);
    const ref = await trainer('reference');
    expect(gpu.step.backend).toBe('webgpu');
    const readBack = vi.spyOn(gpu.w, 'getAsync');
    for (let i = 0; i < 4; i++) {
      await gpu.step.run([XS], { readOutputs: false });
      await ref.step(XS);
    }
    expect(readBack).not.toHaveBeenCalled();
    readBack.mockRestore();
    const want = ref.w.get().data;
    Array.from((await gpu.w.getAsync()).data).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('runs a float64 graph on the fallback with the values the GPU holds', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const cpu = new BrowserCpuBackend();
    const { w, step } = await trainer(cpu);
    await step.run([XS], { readOutputs: false });
    await step.run([XS], { readOutputs: false });
    const total = await compile({ inputs: [], outputs: sum(cast(w, 'float64')), backend: cpu });
    expect(total.backend).not.toBe('webgpu');
    const got = (await total()).item();
    const held = Array.from((await w.getAsync()).data).reduce((a, b) => a + b, 0);
    expect(got).toBeCloseTo(held, 6);
    warn.mockRestore();
  });

  it('runs a graph WebGPU refuses (a mask computed on the GPU, whose true count the plan reads on the host) on WebAssembly', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const xs = vector('xs');
    const f = await compile({ inputs: [xs], outputs: booleanMask(xs, gt(xs, 0)), backend: new BrowserCpuBackend() });
    expect(f.backend).toBe('wasm');
    expect(Array.from((await f([1, -2, 3, 0, 5])).data)).toEqual([1, 3, 5]);
    expect(String(warn.mock.calls[0])).toContain('the webgpu backend cannot run this op');
    warn.mockRestore();
  });
});
