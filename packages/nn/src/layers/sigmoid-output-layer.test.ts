import { describe, expect, it } from 'vitest';
import { compile, NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { Network } from '../network.js';
import { SigmoidOutputLayer } from './sigmoid-output-layer.js';

describe('SigmoidOutputLayer', () => {
  it('trains against one-hot targets with the chosen cost and predicts the most active neuron', async () => {
    const x = new NDArray('float32', [2, 2], Float32Array.from([1, 0, 0, 1]));
    const y = new NDArray('int32', [2], Int32Array.from([1, 0]));
    const costs: number[] = [];
    for (const cost of ['quadratic', 'cross-entropy'] as const) {
      const out = new SigmoidOutputLayer({ nIn: 2, nOut: 2, cost, seed: 1 });
      out.w.set(new NDArray('float32', [2, 2], Float32Array.from([0, 0, 0, 0])));
      out.b.set(new NDArray('float32', [2], Float32Array.from([0, 0])));
      const net = new Network([out], 2);
      const f = await compile({ backend: 'reference', inputs: [net.x, net.y], outputs: [out.cost(net.y), out.yOut] });
      const [c, pred] = await f(x, y);
      costs.push(c!.item());
      expect(pred!.shape).toEqual([2]);
    }
    // All outputs 0.5: quadratic = 1/2 * (0.25 + 0.25); cross-entropy = 2 ln 2 per example.
    expect(costs[0]).toBeCloseTo(0.25, 6);
    expect(costs[1]).toBeCloseTo(2 * Math.log(2), 6);
  });
});
