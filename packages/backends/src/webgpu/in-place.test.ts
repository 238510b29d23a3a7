import { afterAll, describe, expect, it } from 'vitest';
import { compile, grad, matrix, NDArray, shared, vector } from '@hypatia/core';
import { dot, mul, sigmoid, sub, sum } from '@hypatia/ops';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';

const W0 = () => NDArray.from([[0.1, -0.2], [0.3, 0.05], [-0.1, 0.2]], 'float32');
const XS = NDArray.from([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]], 'float32');

/** A logistic-regression step whose update's root is the fused elementwise w - 0.5 * grad. */
async function trainer(backend: string, backendOptions: Record<string, unknown> = {}) {
  const x = matrix('x');
  const w = shared(W0(), 'w');
  const cost = sum(sigmoid(dot(x, w)));
  const f = await compile({ inputs: [x], outputs: [cost], updates: [[w, sub(w, mul(grad(cost, w), 0.5))]], backend, backendOptions });
  return { w, f };
}

describe.runIf(gpuAvailable)('webgpu in-place updates', () => {
  afterAll(releaseDevice);

  it('writes an elementwise update into the variable\'s own buffer, with the reference results', async () => {
    const gpu = await trainer('webgpu');
    const cpu = await trainer('reference');
    expect(gpu.f.debugPrint()).toMatch(/updated in place: w/);
    await gpu.f.run([XS], { readOutputs: false });
    await cpu.f.run([XS]);
    // From the second call on, the variable keeps one device value: its buffer is overwritten.
    const first = gpu.w.deviceValue;
    for (let i = 0; i < 5; i++) {
      const [c] = await gpu.f(XS);
      const [r] = await cpu.f(XS);
      expect(gpu.w.deviceValue).toBe(first);
      expect(c!.item()).toBeCloseTo(r!.item(), 5);
    }
    const want = (await cpu.w.getAsync()).data;
    Array.from((await gpu.w.getAsync()).data).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('inPlace: false gives every update a fresh buffer, with the same values', async () => {
    const a = await trainer('webgpu');
    const b = await trainer('webgpu', { inPlace: false });
    expect(b.f.debugPrint()).not.toMatch(/in place/);
    for (let i = 0; i < 3; i++) {
      await a.f.run([XS], { readOutputs: false });
      const before = b.w.deviceValue;
      await b.f.run([XS], { readOutputs: false });
      expect(b.w.deviceValue).not.toBe(before);
    }
    expect(Array.from((await b.w.getAsync()).data)).toEqual(Array.from((await a.w.getAsync()).data));
  });

  it('an output that returns the old value keeps the update out of place (it would be overwritten)', async () => {
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const f = await compile({ outputs: [w, sum(w)], updates: [[w, mul(w, 2)]], backend: 'webgpu' });
    expect(f.debugPrint()).not.toMatch(/in place/);
    for (const want of [[1, 2, 3], [2, 4, 6], [4, 8, 12]]) {
      const [old, s] = await f();
      expect(Array.from(old!.data)).toEqual(want);
      expect(s!.item()).toBe(want.reduce((a, b) => a + b));
    }
    expect(Array.from((await w.getAsync()).data)).toEqual([8, 16, 24]);
  });

  it('a variable that a later update still reads is not overwritten before it', async () => {
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const v = shared(NDArray.from([0, 0, 0], 'float32'), 'v');
    // Both updates read the old w; whichever root runs first, w's buffer must hold the old value until both ran.
    const f = await compile({ outputs: [], updates: [[w, mul(w, 2)], [v, sub(mul(w, 3), v)]], backend: 'webgpu' });
    for (let i = 0; i < 3; i++) await f.run([], { readOutputs: false });
    expect(Array.from((await w.getAsync()).data)).toEqual([8, 16, 24]);
    // v = 3w - v over w = 1, 2, 4 (times the first element): 3, 6 - 3 = 3, 12 - 3 = 9
    expect(Array.from((await v.getAsync()).data)).toEqual([9, 18, 27]);
  });

  it('a call that fails while it is encoded leaves the old value (nothing was submitted)', async () => {
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const x = matrix('x');
    const v = vector('v');
    const f = await compile({ inputs: [x, v], outputs: [dot(x, v)], updates: [[w, mul(w, 2)]], backend: 'webgpu' });
    expect(f.debugPrint()).toMatch(/updated in place: w/);
    await f.run([NDArray.from([[1, 1]], 'float32'), NDArray.from([1, 1], 'float32')], { readOutputs: false });
    await f.run([NDArray.from([[1, 1]], 'float32'), NDArray.from([1, 1], 'float32')], { readOutputs: false });
    await expect(f(NDArray.from([[1, 1]], 'float32'), NDArray.from([1, 1, 1], 'float32'))).rejects.toThrow(/dot/);
    expect(Array.from((await w.getAsync()).data)).toEqual([4, 8, 12]);
  });
});
