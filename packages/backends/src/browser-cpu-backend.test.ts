import { afterEach, describe, expect, it, vi } from 'vitest';
import { compile, dscalar, NDArray, scalar, type Backend, type LowerSpec } from '@hypatia/core';
import { add, mul } from '@hypatia/ops';
import { BrowserCpuBackend } from './browser-cpu-backend.js';
import { ReferenceBackend } from './reference/reference-backend.js';
import { WebGPUUnsupportedError } from './webgpu/lowering.js';

/** Stands in for WebGPU: runs on the reference backend and keeps the specs it was given. */
function fakeWebgpu(): Backend & { specs: LowerSpec[] } {
  const specs: LowerSpec[] = [];
  return {
    name: 'webgpu', specs, supportedRewrites: ['product_epilogue'], optionNames: ['inPlace'],
    lower: (spec) => { specs.push(spec); return new ReferenceBackend().lower({ ...spec, options: {} }); },
  };
}

afterEach(() => vi.restoreAllMocks());

describe("the browser's 'cpu' backend", () => {
  it('runs a float32 graph on WebGPU when a device opens, with only the options WebGPU reads', async () => {
    const webgpu = fakeWebgpu();
    const cpu = new BrowserCpuBackend({ webgpu, webgpuProblem: async () => null });
    const x = scalar('x');
    const f = await compile({ inputs: [x], outputs: mul(x, 3), backend: cpu, backendOptions: { inPlace: false } });
    expect((await f(2)).item()).toBe(6);
    expect(f.backend).toBe('webgpu');
    expect(webgpu.specs.map((s) => s.options)).toEqual([{ inPlace: false }]);
  });

  it('runs every graph on WebAssembly when WebGPU is unavailable, warning once with the reason', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const webgpu = fakeWebgpu();
    const cpu = new BrowserCpuBackend({ webgpu, webgpuProblem: async () => 'no adapter here' });
    const x = scalar('x');
    for (const k of [1, 2]) {
      const f = await compile({ inputs: [x], outputs: add(x, k), backend: cpu });
      expect((await f(1)).item()).toBe(1 + k);
      expect(f.backend).toBe('wasm');
    }
    expect(webgpu.specs).toEqual([]);
    expect(warn.mock.calls).toEqual([["hypatia: the 'cpu' backend is running the wasm backend: no adapter here"]]);
  });

  it('sends a graph with float64 values to WebAssembly even when WebGPU is there', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const webgpu = fakeWebgpu();
    const cpu = new BrowserCpuBackend({ webgpu, webgpuProblem: async () => null });
    const d = dscalar('d');
    const f = await compile({ inputs: [d], outputs: mul(d, 0.1), backend: cpu, backendOptions: { inPlace: true } });
    expect((await f(NDArray.from(3, 'float64'))).item()).toBeCloseTo(0.3, 15);
    expect(f.backend).toBe('wasm');
    expect(webgpu.specs).toEqual([]);
    expect(String(warn.mock.calls[0])).toContain('float64');
  });

  it('sends a graph WebGPU refuses to WebAssembly, warning once with the op', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const refusing: Backend = { ...fakeWebgpu(), lower: () => { throw new WebGPUUnsupportedError('cumsum', 'the webgpu backend cannot run this op: no kernels'); } };
    const cpu = new BrowserCpuBackend({ webgpu: refusing, webgpuProblem: async () => null });
    const x = scalar('x');
    for (let i = 0; i < 2; i++) {
      const f = await compile({ inputs: [x], outputs: mul(x, 2), backend: cpu });
      expect((await f(4)).item()).toBe(8);
      expect(f.backend).toBe('wasm');
    }
    expect(warn.mock.calls).toEqual([["hypatia: the 'cpu' backend is running the wasm backend: cumsum: the webgpu backend cannot run this op: no kernels"]]);
  });

  it("passes on WebGPU's other errors", async () => {
    const failing: Backend = { ...fakeWebgpu(), lower: () => { throw new Error('out of GPU memory'); } };
    const cpu = new BrowserCpuBackend({ webgpu: failing, webgpuProblem: async () => null });
    const x = scalar('x');
    await expect(compile({ inputs: [x], outputs: mul(x, 2), backend: cpu })).rejects.toThrow('out of GPU memory');
  });

  it('declares the rewrites both backends run and the options either reads', () => {
    const cpu = new BrowserCpuBackend({ webgpu: fakeWebgpu(), fallback: new ReferenceBackend(), webgpuProblem: async () => null });
    expect(cpu.supportedRewrites).toEqual(['product_epilogue']);
    expect(cpu.optionNames).toEqual(['inPlace']);
  });
});
