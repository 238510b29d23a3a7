import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, ivector, tensor } from '@hypatia/core';
import {
  RandomStreams, add, argmax, arange, avgPool2d, concatenate, conv2d, conv2dGradFilters, conv2dGradInput, dimshuffle, dot,
  matmul, max, maxPool2d, maxPool2dGrad, mul, softmax, sum, take, tanh,
} from '@hypatia/ops';
import { resolveConvOptions, resolvePoolOptions } from '@hypatia/ops/backend';
import { grid, setWorkgroupGridLimit } from './kernels.js';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/**
 * Every op family with the per-dimension workgroup limit forced down to 7 (an internal knob;
 * WebGPU's is 65,535), so that small tensors take the grid-wrapping path that only tensors of
 * millions of elements would take for real: kernels wrap into y (up to 49 workgroups of 64 points
 * here). Each shape below is chosen to need more than one row of the forced grid and to leave an
 * overshoot that the kernels must ignore. huge.test.ts runs past the real limit.
 */
const LIMIT = 7;

describe('workgroup grids', () => {
  it('wrap into further dimensions past the limit, and refuse what no grid holds', () => {
    const restore = setWorkgroupGridLimit(LIMIT);
    try {
      expect(grid(0)).toEqual([1, 1]);
      expect(grid(7)).toEqual([7, 1]);
      expect(grid(8)).toEqual([7, 2]);
      expect(grid(49)).toEqual([7, 7]);
      expect(() => grid(50)).toThrow(/50 workgroups exceed a 7 x 7 grid/);
    } finally {
      restore();
    }
    expect(grid(65536)).toEqual([65535, 2]);
  });
});

describe.runIf(gpuAvailable)(`webgpu kernels with at most ${LIMIT} workgroups per grid dimension`, () => {
  let restore: () => void = () => {};
  beforeAll(() => { restore = setWorkgroupGridLimit(LIMIT); });
  afterAll(async () => { restore(); await releaseDevice(); });

  it('elementwise with broadcasting, and dimshuffle (1,000 elements: 16 workgroups on a 7 x 3 grid)', async () => {
    const x = tensor('float32', [null, null], 'x');
    const b = tensor('float32', [null], 'b');
    await agreesWithReference([x, b], [tanh(add(mul(x, 2), b)), dimshuffle(x, 1, 0)], [seeded([25, 40], 'float32', 1), seeded([40], 'float32', 2)]);
  });

  it('reductions: 500 row outputs (8 workgroups), and a column sum walked by one invocation', async () => {
    const x = tensor('float32', [null, null], 'x');
    await agreesWithReference([x], [sum(x, 1), max(x, 1), argmax(x, 1), sum(x, 0)], [seeded([500, 40], 'float32', 3)]);
  });

  it('softmax rows, take, concatenate and arange', async () => {
    const x = tensor('float32', [null, null], 'x');
    const idx = ivector('idx');
    await agreesWithReference(
      [x, idx],
      [softmax(x), take(x, idx, 0), concatenate([x, x], 0), arange(0, 1000)],
      [seeded([20, 40], 'float32', 4), seeded([20], 'int32', 5, 0, 20)],
    );
  });

  it('pooling and its gradient (per window and per input element)', async () => {
    const x = tensor('float32', [null, null, null, null], 'x');
    const gy = tensor('float32', [null, null, null, null], 'gy');
    const params = resolvePoolOptions({ window: [2, 2] }, 'max_pool2d');
    await agreesWithReference(
      [x, gy],
      [maxPool2d(x, { window: [2, 2] }), avgPool2d(x, { window: [2, 2] }), maxPool2dGrad(x, gy, params)],
      [seeded([4, 3, 14, 14], 'float32', 6), seeded([4, 3, 7, 7], 'float32', 7)],
    );
  });

  it('random draws are the CPU numbers', async () => {
    const draw = async (backend: string) => {
      const rs = new RandomStreams(99);
      const outs = [rs.uniform({ size: [1000] }), rs.binomial({ size: [700], p: 0.3, dtype: 'float32' })];
      return (await compile({ outputs: outs, updates: rs.updates(), backend }))();
    };
    const [gpu, cpu] = [await draw('webgpu'), await draw('reference')];
    gpu.forEach((g, k) => expect(Array.from(g.data)).toEqual(Array.from(cpu[k]!.data)));
  });

  it('matmul over 10 batches and dot (2,000 points each: 32 workgroups)', async () => {
    const a = tensor('float32', [null, null, null], 'a');
    const b = tensor('float32', [null, null], 'b');
    const p = tensor('float32', [null, null], 'p');
    const q = tensor('float32', [null, null], 'q');
    await agreesWithReference(
      [a, b, p, q],
      [matmul(a, b), dot(p, q)],
      [seeded([10, 20, 5], 'float32', 8), seeded([5, 10], 'float32', 9), seeded([100, 5], 'float32', 10), seeded([5, 20], 'float32', 11)],
    );
  });

  it('conv2d and its gradients (1,568 and 1,536 points)', async () => {
    const x = tensor('float32', [null, null, null, null], 'x');
    const w = tensor('float32', [null, null, null, null], 'w');
    const dy = tensor('float32', [null, null, null, null], 'dy');
    const params = resolveConvOptions({}, 'conv2d');
    await agreesWithReference(
      [x, w, dy],
      [conv2d(x, w), conv2dGradInput(dy, w, x, params), conv2dGradFilters(x, dy, w, params)],
      [seeded([2, 3, 16, 16], 'float32', 12), seeded([4, 3, 3, 3], 'float32', 13), seeded([2, 4, 14, 14], 'float32', 14)],
      1e-3, 1e-4,
    );
  });
});
