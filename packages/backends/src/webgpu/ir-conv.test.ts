import { afterAll, describe, expect, it } from 'vitest';
import { compile, tensor, NDArray } from '@hypatia/core';
import { conv2d, conv2dGradFilters, conv2dGradInput, type Conv2dOptions } from '@hypatia/ops';
import { resolveConvOptions } from '@hypatia/ops/backend';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/** conv2d and both gradients, as separate ops, against the reference. */
async function check(xs: number[], ws: number[], opts: Conv2dOptions, seed: number): Promise<void> {
  const x = tensor('float32', [null, null, null, null], 'x');
  const w = tensor('float32', [null, null, null, null], 'w');
  const dy = tensor('float32', [null, null, null, null], 'dy');
  const params = resolveConvOptions(opts, 'conv2d');
  const y = conv2d(x, w, opts);
  // The output's shape from a reference run, for dy.
  const ys = (await (await compile({ inputs: [x, w], outputs: [y], backend: 'reference' }))(seeded(xs, 'float32', 1), seeded(ws, 'float32', 2)))[0]!.shape;
  await agreesWithReference(
    [x, w, dy],
    [y, conv2dGradInput(dy, w, x, params), conv2dGradFilters(x, dy, w, params)],
    [seeded(xs, 'float32', seed), seeded(ws, 'float32', seed + 1), seeded([...ys], 'float32', seed + 2)],
    1e-3, 1e-4,
  );
}

describe.runIf(gpuAvailable)('webgpu conv2d and its gradients on their IR kernels', () => {
  afterAll(releaseDevice);

  it('larger maps, explicit padding and unequal strides', async () => {
    await check([2, 5, 20, 17], [18, 5, 3, 4], { stride: [2, 1], padding: [2, 1] }, 10);
  });

  it("'same' with a stride that does not divide the input, and 'full'", async () => {
    await check([2, 3, 11, 9], [4, 3, 4, 3], { stride: [3, 2], padding: 'same' }, 20);
    await check([1, 2, 5, 6], [3, 2, 3, 3], { padding: 'full' }, 30);
  });

  it('a stride larger than the filter leaves input positions no output reads (their gradient is 0)', async () => {
    await check([2, 2, 9, 9], [3, 2, 2, 2], { stride: [3, 3] }, 40);
  });

  it("the filter gradient of network3's first layer, 10 and 100 images: thousands of terms per weight", async () => {
    const x = tensor('float32', [null, null, null, null], 'x');
    const dy = tensor('float32', [null, null, null, null], 'dy');
    const w = tensor('float32', [null, null, null, null], 'w');
    const params = resolveConvOptions({}, 'conv2d');
    for (const mb of [10, 100]) {
      await agreesWithReference(
        [x, dy, w], [conv2dGradFilters(x, dy, w, params)],
        [seeded([mb, 1, 28, 28], 'float32', mb), seeded([mb, 20, 24, 24], 'float32', mb + 1), seeded([20, 1, 5, 5], 'float32', mb + 2)],
        1e-4, 1e-3,
      );
    }
  });

  it('a mismatched output gradient is a run-time error naming the op', async () => {
    const x = tensor('float32', [null, null, null, null], 'x');
    const w = tensor('float32', [null, null, null, null], 'w');
    const dy = tensor('float32', [null, null, null, null], 'dy');
    const f = await compile({ inputs: [dy, w, x], outputs: [conv2dGradInput(dy, w, x, resolveConvOptions({}, 'conv2d'))], backend: 'webgpu' });
    const bad = new NDArray('float32', [1, 2, 2, 2], new Float32Array(8));
    await expect(f(bad, seeded([2, 1, 2, 2], 'float32', 1), seeded([1, 1, 4, 4], 'float32', 2))).rejects.toThrow(/conv2d_grad_input: at run time the output gradient has shape \[1, 2, 2, 2\] but the convolution's output is \[1, 2, 3, 3\]/);
  });
});
