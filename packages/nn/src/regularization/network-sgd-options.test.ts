import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { Network } from '../network.js';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { SoftmaxLayer } from '../layers/softmax-layer.js';
import { linear } from '../layers/activations.js';
import { BatchNormLayer } from '../layers/batch-norm.js';
import { momentum } from '../optimizers/optimizers.js';
import { l1Penalty } from './penalties.js';
import { Rng } from '../init/rng.js';

function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 4); const y = new Int32Array(n);
  for (let i = 0; i < n; i++) { y[i] = i % 2; for (let j = 0; j < 4; j++) x[i * 4 + j] = (y[i] ? 1 : -1) * (j === 0 ? 2 : 0) + rng.normal(); }
  return { x: new NDArray('float32', [n, 4], x), y: new NDArray('int32', [n], y) };
}

describe('Network.sgd with the techniques', () => {
  it('takes an optimiser, an extra penalty, max-norm, batch norm state and early stopping', async () => {
    const fc = new FullyConnectedLayer({ nIn: 4, nOut: 6, activation: linear, seed: 1 });
    const bn = new BatchNormLayer({ features: 6 });
    const net = new Network([fc, bn, new SoftmaxLayer({ nIn: 6, nOut: 2, seed: 2 })], 10);
    const h = await net.sgd(blobs(100, 1), 30, 10, 0.1, blobs(60, 2), null, {
      backend: 'reference', progress: false, updateRule: momentum(0.05), penalty: l1Penalty([fc.w], 0.01, 100), maxNorm: 1, earlyStoppingPatience: 2,
    });
    expect(h.epochs.length).toBeLessThan(30);
    expect(h.bestValidationAccuracy!).toBeGreaterThan(0.85);
    expect(bn.runningMean.get().data.some((v) => v !== 0)).toBe(true);
    const w = fc.w.get();
    for (let c = 0; c < 6; c++) {
      let s = 0; for (let r = 0; r < 4; r++) s += w.data[r * 6 + c]! ** 2;
      expect(Math.sqrt(s)).toBeLessThanOrEqual(1 + 1e-4);
    }
  });
});
