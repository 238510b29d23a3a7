import { describe, expect, it } from 'vitest';
import { NDArray, S, sconst, type Variable } from '@hypatia/core';
import '@hypatia/backends';
import { elementwise, mul, sub } from '@hypatia/ops';
import { Network } from '../network.js';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { SoftmaxLayer } from '../layers/softmax-layer.js';
import { checkGradients, verdictOf } from './gradient-check.js';
import { gradientNorms } from './gradient-norms.js';
import { Rng } from '../init/rng.js';

function batch(n: number, d: number, classes: number) {
  const rng = new Rng(11);
  return {
    x: new NDArray('float32', [n, d], Float32Array.from({ length: n * d }, () => rng.uniform())),
    y: new NDArray('int32', [n], Int32Array.from({ length: n }, (_, i) => i % classes)),
  };
}

// A sigmoid whose gradient is deliberately wrong by 10%.
const brokenSigmoidOp = elementwise({
  name: 'broken_sigmoid', arity: 1,
  formula: ([a]) => S.div(sconst(1, a!.dtype), S.add(sconst(1, a!.dtype), S.exp(S.neg(a!)))),
  grad: (_xs, o, g) => [mul(1.1, mul(g, mul(o, sub(1, o))))],
});
const brokenSigmoid = (z: Variable) => brokenSigmoidOp(z);

describe('checkGradients', () => {
  it('passes a correct network with a tiny relative error', async () => {
    const net = new Network([new FullyConnectedLayer({ nIn: 5, nOut: 4, seed: 1 }), new SoftmaxLayer({ nIn: 4, nOut: 3, seed: 2 })], 6);
    (net.layers[1] as SoftmaxLayer).w.set(new NDArray('float32', [4, 3], Float32Array.from({ length: 12 }, (_, i) => Math.sin(i))));
    const r = await checkGradients(net, batch(6, 5, 3), { samples: 4 });
    expect(r.entries.length).toBe(4 + 4 + 4 + 3); // the softmax bias has only 3 entries
    expect(r.maxRelativeError).toBeLessThan(1e-6);
    expect(r.ok).toBe(true);
  });

  it('fails a deliberately broken gradient', async () => {
    const net = new Network([new FullyConnectedLayer({ nIn: 5, nOut: 4, activation: brokenSigmoid, seed: 1 }), new SoftmaxLayer({ nIn: 4, nOut: 3, seed: 2 })], 6);
    (net.layers[1] as SoftmaxLayer).w.set(new NDArray('float32', [4, 3], Float32Array.from({ length: 12 }, (_, i) => Math.cos(i))));
    const r = await checkGradients(net, batch(6, 5, 3), { samples: 4 });
    expect(r.verdict).toBe('wrong');
    expect(r.ok).toBe(false);
  });

  it('reads relative errors with the 1e-7 / 1e-5 / 1e-3 thresholds', () => {
    expect([1e-9, 1e-6, 1e-4, 1e-2].map(verdictOf)).toEqual(['excellent', 'good', 'suspicious', 'wrong']);
  });
});

describe('gradientNorms', () => {
  it('reports one weight and bias norm per layer; in a deep sigmoid stack the first layer learns slowest', async () => {
    const sizes = [20, 16, 16, 16, 16];
    const layers = [];
    for (let i = 0; i < 4; i++) layers.push(new FullyConnectedLayer({ nIn: sizes[i]!, nOut: sizes[i + 1]!, seed: 20 + i }));
    const out = new SoftmaxLayer({ nIn: 16, nOut: 4, seed: 9 });
    out.w.set(new NDArray('float32', [16, 4], Float32Array.from({ length: 64 }, (_, i) => Math.sin(3 * i))));
    const net = new Network([...layers, out], 8);
    const norms = await gradientNorms(net, batch(8, 20, 4), { backend: 'reference' });
    expect(norms.map((n) => n.layer)).toEqual([0, 1, 2, 3, 4]);
    expect(norms.every((n) => n.weights > 0 && n.biases > 0)).toBe(true);
    expect(norms[0]!.biases).toBeLessThan(norms[3]!.biases);
  });
});
