import { afterAll, describe, expect, it } from 'vitest';
import { compile, ivector, iscalar, matrix, NDArray, shared } from '@hypatia/core';
import { slice, take, advancedIncSubtensor, add, mul, shapeOf, arange } from '@hypatia/ops';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';
import '@hypatia/backends';

describe.runIf(gpuAvailable)('webgpu indexing and creation on their IR kernels', () => {
  afterAll(releaseDevice);

  it('slices mini-batches out of a dataset resident on the GPU with a symbolic index, reversed steps too', async () => {
    const data = shared(NDArray.from(Array.from({ length: 6 }, (_, r) => [r, 10 + r, 20 + r]), 'float32'), 'data');
    const i = iscalar('i');
    const g = await compile({ inputs: [i], outputs: [slice(data, [[mul(i, 2), mul(add(i, 1), 2)]]), slice(data, [[null, null, -2], [null, null, -1]])], backend: 'webgpu' });
    // The bounds are host steps: the only kernels are the two strided copies.
    expect(g.executable.kernelCount).toBe(2);
    const [mb, rev] = await g(NDArray.from(1, 'int32'));
    expect(mb!.shape).toEqual([2, 3]);
    expect(Array.from(mb!.data)).toEqual([2, 12, 22, 3, 13, 23]);
    expect(Array.from(rev!.data)).toEqual([25, 15, 5, 23, 13, 3, 21, 11, 1]);
  });

  it('scatter-adds repeated indices deterministically, in the CPU order (bit for bit)', async () => {
    const x = matrix('x');
    const idx = ivector('idx');
    const out = advancedIncSubtensor(x, [idx], take(x, idx, 0), 0);
    const xs = NDArray.from(Array.from({ length: 4 }, (_, r) => [0.1 * r, 1 / 3 + r, 1e-3 * r]), 'float32');
    const is = NDArray.from([1, 3, 1, 1, 0, 3, -1], 'int32');
    const [gpu] = await (await compile({ inputs: [x, idx], outputs: [out], backend: 'webgpu' }))(xs, is);
    const [cpu] = await (await compile({ inputs: [x, idx], outputs: [out], backend: 'reference' }))(xs, is);
    expect(Array.from(gpu!.data)).toEqual(Array.from(cpu!.data));
  });

  it('a bound that only the GPU knows (a shared scalar) is a compile-time error naming the op', async () => {
    const data = shared(NDArray.zeros('float32', [6, 3]), 'data');
    const k = shared(NDArray.from(2, 'int32'), 'k');
    const err = await compile({ outputs: [slice(data, [[k, null]])], backend: 'webgpu' }).then(() => null, (e: Error) => e);
    expect(String(err)).toMatch(/subtensor: the webgpu backend cannot run this op: its input 1 \(k\) .* is computed on the GPU/);
  });

  it('evaluates shape arithmetic on the host: arange over a shape reads nothing back mid-call', async () => {
    const x = matrix('x');
    const f = await compile({ inputs: [x], outputs: [arange(shapeOf(x, 0)), shapeOf(x)], backend: 'webgpu' });
    // shape_at and shape run on the host; arange is the only kernel.
    expect(f.executable.kernelCount).toBe(1);
    const [r, s] = await f(NDArray.zeros('float32', [3, 5]));
    expect(Array.from(r!.data)).toEqual([0, 1, 2]);
    expect(Array.from(s!.data)).toEqual([3, 5]);
  });
});
