import { afterAll, describe, it } from 'vitest';
import { tensor } from '@hypatia/core';
import { dot, matmul, transpose } from '@hypatia/ops';
import { forceProductKernel } from '../kernels.js';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/** Every product below on both kernels: the 16x16 tiles and a thread per element. */
async function onBothKernels(run: () => Promise<void>): Promise<void> {
  for (const kernel of ['tiled', 'simple'] as const) {
    const restore = forceProductKernel(kernel);
    try {
      await run();
    } finally {
      restore();
    }
  }
}

describe.runIf(gpuAvailable)('webgpu matmul and dot (tiled and simple kernels)', () => {
  afterAll(releaseDevice);

  it('dot: partial tiles, transposed operands read through strides, vectors', async () => {
    const a = tensor('float32', [null, null], 'a');
    const b = tensor('float32', [null, null], 'b');
    const u = tensor('float32', [null], 'u');
    const v = tensor('float32', [null], 'v');
    await onBothKernels(() => agreesWithReference(
      [a, b, u, v],
      [dot(a, b), dot(transpose(a), transpose(b)), dot(a, v), dot(u, b), dot(u, u)],
      [seeded([37, 21], 'float32', 1), seeded([21, 37], 'float32', 2), seeded([21], 'float32', 3), seeded([21], 'float32', 4)],
    ).then(() => undefined));
  });

  it('matmul with broadcast batch axes, and int32', async () => {
    const a = tensor('float32', [null, null, null, null], 'a');
    const b = tensor('float32', [1, null, null], 'b');
    const i = tensor('int32', [null, null, null], 'i');
    const j = tensor('int32', [null, null], 'j');
    await onBothKernels(() => agreesWithReference(
      [a, b, i, j],
      [matmul(a, b), matmul(i, j)],
      [seeded([2, 3, 17, 9], 'float32', 5), seeded([1, 9, 20], 'float32', 6), seeded([4, 5, 6], 'int32', 7, -9, 9), seeded([6, 3], 'int32', 8, -9, 9)],
    ).then(() => undefined));
  });
});
