import { afterAll, describe, expect, it } from 'vitest';
import { compile, grad, HypatiaError, matrix, NDArray, shared } from '@hypatia/core';
import { dot, mul, sigmoid, sub, sum } from '@hypatia/ops';
import { getDevice } from './device.js';
import { hostMirrorsSettled } from './host-mirror.js';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';

const XS = NDArray.from([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]], 'float32');

async function trainer(backend: string, backendOptions: Record<string, unknown> = {}) {
  const x = matrix('x');
  const w = shared(NDArray.from([[0.1, -0.2], [0.3, 0.05], [-0.1, 0.2]], 'float32'), 'w');
  const b = shared(NDArray.from([0.5, -0.5], 'float32'), 'b');
  const cost = sum(sigmoid(dot(x, w)));
  const [gw, gb] = grad(sum(mul(sigmoid(dot(x, w)), b)), [w, b]);
  const f = await compile({
    inputs: [x], outputs: [cost], updates: [[w, sub(w, mul(gw!, 0.5))], [b, sub(b, mul(gb!, 0.1))]], backend, backendOptions, name: 'train',
  });
  return { w, b, f };
}

const expectClose = (got: NDArray, want: NDArray) => Array.from(got.data).forEach((v, i) => expect(v).toBeCloseTo(want.data[i]!, 5));

describe.runIf(gpuAvailable)('webgpu device loss and out-of-memory', () => {
  afterAll(releaseDevice);

  it('a call larger than any GPU buffer is a clear error naming the op; it changes nothing and the device goes on', async () => {
    const v = shared(NDArray.from([1, 2, 3], 'float32'), 'v');
    const a = matrix('a');
    const c = matrix('c');
    const f = await compile({ inputs: [a, c], outputs: [sum(dot(a, c))], updates: [[v, mul(v, 2)]], backend: 'webgpu' });
    const n = 100_000;
    const e = await f(NDArray.zeros('float32', [n, 1]), NDArray.zeros('float32', [1, n])).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(HypatiaError);
    expect(String(e)).toMatch(/^HypatiaError: dot: its output .* has shape \[100000, 100000\]: 40000000000 bytes, more than this GPU's largest buffer \(\d+ bytes\); nothing ran and no shared variable was changed/);
    expect(Array.from((await v.getAsync()).data)).toEqual([1, 2, 3]);
    const [s] = await f(NDArray.from([[1], [2]], 'float32'), NDArray.from([[3, 4]], 'float32'));
    expect(s!.item()).toBe(21);
    expect(Array.from((await v.getAsync()).data)).toEqual([2, 4, 6]);
  });

  it('device.destroy() mid-training: the call raises, variables fall back to the newest host copy, the next call compiles it for a new device and training goes on', async () => {
    const gpu = await trainer('webgpu', { hostMirrorEvery: 5 });
    const cpu = await trainer('reference');
    for (let i = 0; i < 10; i++) {
      // Before call 10 the queue is idle, so its snapshot is taken (one still being mapped would defer it to call 11).
      if (i === 9) await hostMirrorsSettled();
      await gpu.f.run([XS], { readOutputs: false });
      await cpu.f.run([XS], { readOutputs: false });
    }
    const w10 = cpu.w.get();
    const b10 = cpu.b.get();
    // The snapshot after call 10 is copied asynchronously; let it land before calls 11 and 12 (which take none).
    await hostMirrorsSettled();
    for (let i = 0; i < 2; i++) await gpu.f.run([XS], { readOutputs: false });
    expect(gpu.w.hostValue).toBeNull();

    const lost = await getDevice();
    lost.destroy();
    const e = await gpu.f.run([XS], { readOutputs: false }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(HypatiaError);
    // (v, of the test above, lived on the same device; unless it was garbage-collected, it is listed with its current value, read back.)
    expect(String(e)).toMatch(/train: the GPU device was destroyed; shared variables were restored from their newest complete host copies: (v \(its current value, read back before the loss\); )?w, b \(after call 10 of 'train'\)\. The next call compiles this function for a new device/);
    expectClose(gpu.w.get(), w10);
    expectClose(gpu.b.get(), b10);

    // The variables no longer depend on the lost device: reading them needs no GPU.
    expect(gpu.w.deviceValue).toBeNull();
    expect(await getDevice()).not.toBe(lost);

    // Training goes on, on the new device, from the restored values: the reference is at call 10 too.
    for (let i = 0; i < 2; i++) {
      await gpu.f.run([XS], { readOutputs: false });
      await cpu.f.run([XS], { readOutputs: false });
    }
    expectClose(await gpu.w.getAsync(), cpu.w.get());
    expectClose(await gpu.b.getAsync(), cpu.b.get());
  });
});
