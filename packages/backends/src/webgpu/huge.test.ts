import { afterAll, describe, expect, it } from 'vitest';
import { compile, tensor } from '@hypatia/core';
import { RandomStreams, add, dimshuffle, mul, tanh } from '@hypatia/ops';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/**
 * Past WebGPU's real per-dimension limit of 65,535 workgroups: 4,194,404 elements are 65,537
 * workgroups of 64 threads, dispatched on a 65,535 x 2 grid. Only the one-thread-per-element
 * kernels run here: SwiftShader takes about a millisecond per workgroup that synchronises on a
 * barrier (reductions, tiled products), so 65,536 of those would take minutes; grid.test.ts runs
 * every family through the same wrapping with the limit forced down.
 */
const n = 65536 * 64 + 100;

describe.runIf(gpuAvailable)('webgpu kernels past 65,535 workgroups in one dimension', () => {
  afterAll(releaseDevice);

  it('elementwise with broadcasting, and dimshuffle', async () => {
    const x = tensor('float32', [null], 'x');
    const b = tensor('float32', [null, null], 'b');
    // The broadcast input makes the index arithmetic past the first grid row matter.
    const [y, t] = await agreesWithReference(
      [x, b], [tanh(add(mul(x, 3), b)), dimshuffle(b, 1, 0)], [seeded([n], 'float32', 1), seeded([1, n], 'float32', 2)],
    );
    expect(y!.shape).toEqual([1, n]);
    expect(t!.shape).toEqual([n, 1]);
  });

  it('random draws are the CPU numbers to the last element', async () => {
    const draw = async (backend: string) => {
      const rs = new RandomStreams(7);
      return (await compile({ outputs: [rs.uniform({ size: [n] })], updates: rs.updates(), backend }))();
    };
    const [[gpu], [cpu]] = [await draw('webgpu'), await draw('reference')];
    expect(gpu!.data.length).toBe(n);
    expect(gpu!.data.every((v, i) => v === cpu!.data[i])).toBe(true);
  });
});
