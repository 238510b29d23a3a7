import { afterAll, describe, expect, it } from 'vitest';
import { compile, grad, matrix, vector, shared, NDArray, HypatiaError, dmatrix, Op, type TensorType } from '@hypatia/core';
import { add, mul, sigmoid, sum, dot, sub, exp, log, maximum } from '@hypatia/ops';
import { getDevice, pipelineCacheSize, gpuBytesAllocated } from './index.js';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';
import '@hypatia/backends';

describe.runIf(gpuAvailable)('webgpu backend', () => {
  afterAll(releaseDevice);

  it('float64 is a clear compile-time error naming the op', async () => {
    const x = dmatrix('x');
    await expect(compile({ inputs: [x], outputs: [exp(x)], backend: 'webgpu' })).rejects.toThrow(/exp: the webgpu backend cannot run this op: float64/);
  });

  it('handles inf and nan explicitly', async () => {
    const x = vector('x');
    const f = await compile({ inputs: [x], outputs: [log(x), exp(x), maximum(x, 0)], backend: 'webgpu' });
    const [l, e, m] = await f([0, -1, 1000, NaN]);
    expect([l!.data[0], l!.data[1], l!.data[3]]).toEqual([-Infinity, NaN, NaN]);
    expect(l!.data[2]).toBeCloseTo(Math.log(1000), 5);
    expect([e!.data[0], e!.data[2], e!.data[3]]).toEqual([1, Infinity, NaN]);
    expect(e!.data[1]).toBeCloseTo(Math.exp(-1), 6);
    expect(Array.from(m!.data)).toEqual([0, 0, 1000, NaN]);
  });

  it('trains logistic regression with weights resident on the GPU, matching the CPU', async () => {
    const run = async (backend: string) => {
      const x = matrix('x');
      const y = matrix('y');
      const w = shared(NDArray.from([[0.1, -0.2], [0.3, 0.05], [-0.1, 0.2]], 'float32'), 'w');
      const p = sigmoid(dot(x, w));
      const cost = sum(mul(sub(p, y), sub(p, y)));
      const gw = grad(cost, w);
      const f = await compile({ inputs: [x, y], outputs: [cost], updates: [[w, sub(w, mul(gw, 0.5))]], backend });
      const xs = NDArray.from([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]], 'float32');
      const ys = NDArray.from([[1, 0], [0, 1], [1, 1], [0, 0]], 'float32');
      const costs: number[] = [];
      for (let i = 0; i < 20; i++) costs.push((await f(xs, ys))[0]!.item());
      return { costs, w: (await w.getAsync()).data };
    };
    const gpu = await run('webgpu');
    const cpu = await run('reference');
    expect(gpu.costs[19]!).toBeLessThan(gpu.costs[0]!);
    gpu.costs.forEach((c, i) => expect(c).toBeCloseTo(cpu.costs[i]!, 4));
    Array.from(gpu.w).forEach((v, i) => expect(v).toBeCloseTo(cpu.w[i]!, 4));
  });

  it('a second compile of the same graph creates no pipeline', async () => {
    const build = () => { const x = matrix('x'); return { x, out: add(mul(x, 2), 1) }; };
    const a = build();
    await compile({ inputs: [a.x], outputs: [a.out], backend: 'webgpu' });
    const before = pipelineCacheSize();
    const b = build();
    await compile({ inputs: [b.x], outputs: [b.out], backend: 'webgpu' });
    expect(pipelineCacheSize()).toBe(before);
  });

  it('an op without a WGSL kernel is a compile-time error, never a silent fallback', async () => {
    const x = matrix('x');
    const err = await compile({ inputs: [x], outputs: [sum(x, 0)], backend: 'webgpu' }).then(() => null, (e) => e);
    expect(err).toBeNull();
    // An op of the user's own, with a perform but no WGSL kernel.
    class HostOnly extends Op {
      readonly name = 'host_only';
      inferTypes(ts: readonly TensorType[]): TensorType[] { return [ts[0]!]; }
      perform([a]: readonly NDArray[]): NDArray[] { return [a!]; }
    }
    const e2 = await compile({ inputs: [x], outputs: [new HostOnly().call(x)], backend: 'webgpu' }).then(() => null, (e) => e);
    expect(e2).toBeInstanceOf(HypatiaError);
    expect(String(e2)).toMatch(/host_only: the webgpu backend cannot run this op/);
  });

  it('reads back nothing when outputs are not wanted, and updates stay on the device', async () => {
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const f = await compile({ outputs: [sum(w)], updates: [[w, mul(w, 2)]], backend: 'webgpu' });
    expect(await f.run([], { readOutputs: false })).toEqual([]);
    expect(w.hostValue).toBeNull();
    expect(Array.from((await w.getAsync()).data)).toEqual([2, 4, 6]);
  });

  it('1,000 training steps do not grow GPU memory', async () => {
    const x = matrix('x');
    const w = shared(NDArray.from([[0.1, -0.2], [0.3, 0.05], [-0.1, 0.2]], 'float32'), 'w');
    const cost = sum(sigmoid(dot(x, w)));
    const f = await compile({ inputs: [x], outputs: [cost], updates: [[w, sub(w, mul(grad(cost, w), 0.01))]], backend: 'webgpu' });
    const xs = NDArray.from([[1, 0, 1], [0, 1, 1]], 'float32');
    for (let i = 0; i < 10; i++) await f.run([xs], { readOutputs: false });
    const device = await getDevice();
    const before = gpuBytesAllocated(device);
    for (let i = 0; i < 1000; i++) await f.run([xs], { readOutputs: i % 100 === 0 });
    expect(gpuBytesAllocated(device)).toBe(before);
  });
});
