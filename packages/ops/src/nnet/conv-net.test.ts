import { describe, expect, it } from 'vitest';
import { NDArray, compile, grad, ivector, mulberry32, shared, tensor, type SharedVariable } from '@hypatia/core';
import {
  conv2d, maxPool2d, sigmoid, flatten, dot, add, sub, mul, neg, mean, log, softmax, advancedIndex, arange, shapeOf, dimshuffle,
} from '@hypatia/ops';
import '@hypatia/backends';

const randn = (shape: number[], seed: number, scale: number) => {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float32', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = (r() * 2 - 1) * scale;
  return a;
};

describe('a network3-style conv net', () => {
  it('trains: conv2d -> maxPool2d -> sigmoid -> softmax layer with the stabilised log-likelihood cost', async () => {
    const x = tensor('float32', [8, 1, 8, 8], 'x');
    const y = ivector('y');
    const w1 = shared(randn([3, 1, 3, 3], 1, 0.5), 'w1');
    const b1 = shared(NDArray.zeros('float32', [3]), 'b1');
    const w2 = shared(NDArray.zeros('float32', [27, 4]), 'w2');
    const b2 = shared(NDArray.zeros('float32', [4]), 'b2');
    const pooled = maxPool2d(conv2d(x, w1), { window: [2, 2] });
    const hidden = sigmoid(add(pooled, dimshuffle(b1, 'x', 0, 'x', 'x')));
    const z = add(dot(flatten(hidden, 2), w2), b2);
    const cost = neg(mean(advancedIndex(log(softmax(z)), [arange(shapeOf(y, 0)), y])));
    const params: SharedVariable[] = [w1, b1, w2, b2];
    const grads = grad(cost, params);
    const step = await compile({
      inputs: [x, y], outputs: [cost], backend: 'reference',
      updates: params.map((p, i) => [p, sub(p, mul(grads[i]!, 0.5))] as const),
    });
    expect(step.graph.nodes.some((n) => n.op.name === 'softmax_crossentropy_with_labels')).toBe(true);

    // Four classes, told apart by which quadrant of the image is bright.
    const xs = NDArray.zeros('float32', [8, 1, 8, 8]);
    const ys = NDArray.zeros('int32', [8]);
    const noise = mulberry32(7);
    for (let n = 0; n < 8; n++) {
      const k = n % 4;
      ys.data[n] = k;
      for (let i = 0; i < 64; i++) {
        const [r, c] = [Math.floor(i / 8), i % 8];
        const quadrant = (r < 4 ? 0 : 2) + (c < 4 ? 0 : 1);
        xs.data[n * 64 + i] = (quadrant === k ? 1 : 0) + 0.1 * noise();
      }
    }
    const first = (await step(xs, ys))[0]!.item();
    let last = first;
    for (let i = 0; i < 60; i++) last = (await step(xs, ys))[0]!.item();
    expect(first).toBeCloseTo(Math.log(4), 4);
    expect(last).toBeLessThan(first / 4);
  });
});
