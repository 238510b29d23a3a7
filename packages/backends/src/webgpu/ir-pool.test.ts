import { afterAll, describe, expect, it } from 'vitest';
import { tensor, NDArray } from '@hypatia/core';
import {
  avgPool2d, maxPool2d, maxPool2dGrad, maxPool2dGradGrad, AvgPool2dGrad, type AvgPool2dOptions, type Pool2dOptions,
} from '@hypatia/ops';
import { resolvePoolOptions } from '@hypatia/ops/backend';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/** Max and average pooling and all their gradient ops against the reference. */
async function check(shape: number[], opts: Pool2dOptions, x: NDArray): Promise<NDArray[]> {
  const v = tensor('float32', shape.map(() => null), 'x');
  const gy = tensor('float32', shape.map(() => null), 'gy');
  const h = tensor('float32', shape.map(() => null), 'h');
  const params = resolvePoolOptions(opts, 'max_pool2d');
  const y = maxPool2d(v, opts);
  const ys = (await agreesWithReference([v], [y], [x]))[0]!.shape;
  const avgOpts: AvgPool2dOptions = { ...opts, includePad: !!opts.padding };
  const avgParams = { ...params, includePad: !!opts.padding };
  return agreesWithReference(
    [v, gy, h],
    [y, maxPool2dGrad(v, gy, params), maxPool2dGradGrad(v, h, params), avgPool2d(v, avgOpts), new AvgPool2dGrad(avgParams).call(gy, v)],
    [x, seeded([...ys], 'float32', 5), seeded(shape, 'float32', 6)],
  );
}

describe.runIf(gpuAvailable)('webgpu pooling and its gradients on their IR kernels', () => {
  afterAll(releaseDevice);

  it('many points; overlapping windows; borders kept and dropped; padding', async () => {
    const shape = [3, 4, 19, 23];
    const x = seeded(shape, 'float32', 1);
    await check(shape, { window: [2, 2] }, x);
    await check(shape, { window: [3, 2], stride: [2, 1], ignoreBorder: false }, x);
    await check(shape, { window: [3, 3], stride: [2, 2], padding: [1, 2] }, x);
    await check(shape, { window: [4, 3], stride: [1, 3] }, x);
  });

  it('ties send the gradient to the first maximum; a NaN first in its window wins it', async () => {
    const x = NDArray.from([[[[1, 1, 0, 2], [1, 1, 2, 2]]], [[[NaN, 5, 3, 3], [7, 1, 3, NaN]]]], 'float32');
    const [y, gx] = await check([2, 1, 2, 4], { window: [2, 2] }, x);
    expect(Array.from(y!.data)).toEqual([1, 2, NaN, 3]);
    // Windows' first maxima: input positions 0, 3 (image 0), 8 (the NaN) and 10 (image 1).
    const hits = Array.from(gx!.data, (g, i) => (g !== 0 ? i : -1)).filter((i) => i >= 0);
    expect(hits).toEqual([0, 3, 8, 10]);
  });
});
