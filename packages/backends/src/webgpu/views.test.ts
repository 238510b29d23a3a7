import { afterAll, describe, expect, it } from 'vitest';
import { NDArray, compile, shared, tensor } from '@hypatia/core';
import { add, flatten, reshape, reshapeLike } from '@hypatia/ops';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';

describe.runIf(gpuAvailable)('WebGPU views', () => {
  afterAll(releaseDevice);

  it('reshape, flatten and reshape_like share their operand\'s buffer under the shape the reference gives', async () => {
    const x = tensor('float32', [null, null, null], 'x');
    const like = tensor('float32', [null, null], 'like');
    const outputs = [add(reshape(x, [-1, 4]), 1), add(flatten(x, 2), 1), add(reshapeLike(x, like), 1)];
    const f = await compile({ inputs: [x, like], outputs, backend: 'webgpu' });
    const xs = NDArray.from([[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], [[13, 14, 15, 16], [17, 18, 19, 20], [21, 22, 23, 24]]], 'float32');
    const got = await f(xs, NDArray.zeros('float32', [8, 3]));
    expect(got.map((g) => g.shape)).toEqual([[6, 4], [2, 12], [8, 3]]);
    for (const g of got) expect(Array.from(g.data)).toEqual(Array.from({ length: 24 }, (_, i) => i + 2));
    expect(f.executable.describe().match(/: view (reshape|flatten|reshape_like)\b/g)).toHaveLength(3);
  });

  it('reshape_like to another number of elements is the reference\'s error, and the call changes no shared variable', async () => {
    const x = tensor('float32', [null, null], 'x');
    const like = tensor('float32', [null, null], 'like');
    const w = shared(NDArray.from([1, 2, 3, 4], 'float32'), 'w');
    const f = await compile({ inputs: [x, like], outputs: [add(reshapeLike(x, like), 1)], updates: [[w, add(w, 1)]], backend: 'webgpu' });
    await expect(f(NDArray.from([[1, 2, 3]], 'float32'), NDArray.zeros('float32', [2, 2]))).rejects.toThrow(/reshape_like: cannot reshape 3 elements to \[2, 2\]/);
    expect(Array.from(w.get().data)).toEqual([1, 2, 3, 4]);
  });
});
