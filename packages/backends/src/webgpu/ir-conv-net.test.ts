import { afterAll, describe, expect, it } from 'vitest';
import { NDArray, compile, grad, ivector, shared, tensor, type SharedVariable } from '@hypatia/core';
import {
  add, advancedIndex, arange, conv2d, dimshuffle, dot, flatten, log, maxPool2d, mean, mul, neg, shapeOf, sigmoid, softmax, sub,
} from '@hypatia/ops';
import { gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/**
 * A network3-style step (conv2d, max pooling, sigmoid, a softmax layer and the stabilised
 * log-likelihood cost, SGD updates) compiled for a backend; the costs of `steps` steps and the final filters.
 */
async function train(backend: string, steps: number): Promise<{ costs: number[]; w1: NDArray }> {
  const x = tensor('float32', [6, 1, 10, 10], 'x');
  const y = ivector('y');
  const w1 = shared(seeded([4, 1, 3, 3], 'float32', 1, -0.5, 0.5), 'w1');
  const b1 = shared(NDArray.zeros('float32', [4]), 'b1');
  const w2 = shared(seeded([64, 3], 'float32', 2, -0.1, 0.1), 'w2');
  const b2 = shared(NDArray.zeros('float32', [3]), 'b2');
  const pooled = maxPool2d(conv2d(x, w1, { padding: 'valid' }), { window: [2, 2] });
  const hidden = sigmoid(add(pooled, dimshuffle(b1, 'x', 0, 'x', 'x')));
  const z = add(dot(flatten(hidden, 2), w2), b2);
  const cost = neg(mean(advancedIndex(log(softmax(z)), [arange(shapeOf(y, 0)), y])));
  const params: SharedVariable[] = [w1, b1, w2, b2];
  const grads = grad(cost, params);
  const step = await compile({ inputs: [x, y], outputs: [cost], backend, updates: params.map((p, i) => [p, sub(p, mul(grads[i]!, 0.1))] as const) });
  const xs = seeded([6, 1, 10, 10], 'float32', 3, 0, 1);
  const ys = NDArray.from([0, 1, 2, 0, 1, 2], 'int32');
  const costs: number[] = [];
  for (let i = 0; i < steps; i++) costs.push((await step(xs, ys))[0]!.item());
  return { costs, w1: await w1.getAsync() };
}

describe.runIf(gpuAvailable)('a conv net on webgpu', () => {
  afterAll(releaseDevice);

  it('trains step for step as the reference backend does', async () => {
    const gpu = await train('webgpu', 5);
    const cpu = await train('reference', 5);
    expect(gpu.costs[4]!).toBeLessThan(gpu.costs[0]!);
    gpu.costs.forEach((c, i) => expect(c).toBeCloseTo(cpu.costs[i]!, 4));
    Array.from(gpu.w1.data).forEach((v, i) => expect(v).toBeCloseTo(cpu.w1.data[i]!, 4));
  });
});
