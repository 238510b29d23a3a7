import { afterAll, describe, it } from 'vitest';
import { tensor } from '@hypatia/core';
import { dot, matmul, transpose } from '@hypatia/ops';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

describe.runIf(gpuAvailable)('webgpu matmul and dot on their IR kernels', () => {
  afterAll(releaseDevice);

  it('dot: transposed operands read through strides, vectors', async () => {
    const a = tensor('float32', [null, null], 'a');
    const b = tensor('float32', [null, null], 'b');
    const u = tensor('float32', [null], 'u');
    const v = tensor('float32', [null], 'v');
    await agreesWithReference(
      [a, b, u, v],
      [dot(a, b), dot(transpose(a), transpose(b)), dot(a, v), dot(u, b), dot(u, u)],
      [seeded([37, 21], 'float32', 1), seeded([21, 37], 'float32', 2), seeded([21], 'float32', 3), seeded([21], 'float32', 4)],
    );
  });

  it('matmul with broadcast batch axes, and int32', async () => {
    const a = tensor('float32', [null, null, null, null], 'a');
    const b = tensor('float32', [1, null, null], 'b');
    const i = tensor('int32', [null, null, null], 'i');
    const j = tensor('int32', [null, null], 'j');
    await agreesWithReference(
      [a, b, i, j],
      [matmul(a, b), matmul(i, j)],
      [seeded([2, 3, 17, 9], 'float32', 5), seeded([1, 9, 20], 'float32', 6), seeded([4, 5, 6], 'int32', 7, -9, 9), seeded([6, 3], 'int32', 8, -9, 9)],
    );
  });
});
