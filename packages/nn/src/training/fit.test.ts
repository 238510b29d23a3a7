import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { Network } from '../network.js';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { SoftmaxLayer } from '../layers/softmax-layer.js';
import { linear, relu } from '../layers/activations.js';
import { BatchNormLayer } from '../layers/batch-norm.js';
import { DropoutLayer } from '../layers/dropout-layer.js';
import { SigmoidOutputLayer } from '../layers/sigmoid-output-layer.js';
import { Rng } from '../init/rng.js';
import { adam, sgd } from '../optimizers/optimizers.js';
import { fit } from './fit.js';
import type { TrainingHistory } from './history.js';
import { stepDecay } from '../schedules/schedules.js';

/** Two Gaussian blobs in 6 dimensions, labels 0 and 1. */
function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 6); const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 6; j++) x[i * 6 + j] = (y[i] ? 1 : -1) * (j < 2 ? 1.5 : 0) + rng.normal();
  }
  return { x: new NDArray('float32', [n, 6], x), y: new NDArray('int32', [n], y) };
}

describe('fit', () => {
  it('composes Adam, L2, max-norm, clipping, dropout and batch norm into one step and learns', async () => {
    const fc = new FullyConnectedLayer({ nIn: 6, nOut: 8, activation: linear, seed: 1 });
    const net = new Network([fc, new BatchNormLayer({ features: 8, activation: (z) => z }), new DropoutLayer({ keep: 0.9, seed: 2 }), new SoftmaxLayer({ nIn: 8, nOut: 2, seed: 3 })], 10);
    const h = await fit(net, blobs(200, 1), { epochs: 4, optimizer: adam(0.01), l2: 0.1, maxNorm: 1.5, clipNorm: 5, validation: blobs(100, 2), backend: 'reference' });
    expect(h.epochs.every((e) => Number.isFinite(e.cost))).toBe(true);
    expect(h.bestValidationAccuracy!).toBeGreaterThan(0.85);
    const w = fc.w.get();
    for (let c = 0; c < 8; c++) {
      let s = 0; for (let r = 0; r < 6; r++) s += w.data[r * 8 + c]! ** 2;
      expect(Math.sqrt(s)).toBeLessThanOrEqual(1.5 + 1e-4);
    }
    expect((net.layers[1] as BatchNormLayer).runningMean.get().data.some((v) => v !== 0)).toBe(true);
  });

  it('stops early and keeps the best epoch\'s weights', async () => {
    const out = new SigmoidOutputLayer({ nIn: 6, nOut: 2, cost: 'cross-entropy', seed: 4 });
    const net = new Network([out], 10);
    const validation = blobs(60, 3);
    let snapshot: number[] = [];
    let best = -1;
    const h = await fit(net, blobs(100, 4), {
      epochs: 40, earlyStoppingPatience: 2, validation, backend: 'reference',
      onEpoch: (r) => { if (r.validationAccuracy! > best) { best = r.validationAccuracy!; snapshot = [...out.w.get().data]; } },
    });
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs.length).toBe(h.bestEpoch! + 3);
    expect([...out.w.get().data]).toEqual(snapshot);
  });
});

describe('fit with a schedule', () => {
  it('sets the learning rate of each epoch from the schedule', async () => {
    const net = new Network([new SoftmaxLayer({ nIn: 6, nOut: 2, seed: 5 })], 10);
    const etas: number[] = [];
    await fit(net, blobs(40, 6), { epochs: 3, schedule: stepDecay(0.4, 0.5, 1), backend: 'reference', onEpoch: (r) => etas.push(r.eta) });
    expect(etas).toEqual([0.4, 0.2, 0.1]);
  });
});

describe('Network.sgd is fit with network3\'s conventions', () => {
  const dropoutNet = () => new Network([
    new FullyConnectedLayer({ nIn: 6, nOut: 8, activation: relu, pDropout: 0.3, seed: 6 }), new SoftmaxLayer({ nIn: 8, nOut: 2, pDropout: 0.2, seed: 7 }),
  ], 10);
  const untimed = (h: TrainingHistory) => ({ ...h, seconds: 0, trainExamplesPerSec: 0, epochs: h.epochs.map((r) => ({ ...r, seconds: 0, examplesPerSecond: 0 })) });

  it('the same weights and history as fit given the equivalent options', async () => {
    const [data, validation, test] = [blobs(60, 8), blobs(30, 9), blobs(30, 10)];
    const viaSgd = dropoutNet();
    const sgdReports: number[] = [];
    const fromSgd = await viaSgd.sgd(data, 4, 10, 0.2, validation, test, { backend: 'reference', progress: false, lmbda: 0.5, maxNorm: 2, testEveryEpoch: true, onEpoch: (r) => sgdReports.push(r.cost) });
    const viaFit = dropoutNet();
    const fromFit = await fit(viaFit, data, {
      epochs: 4, optimizer: sgd(0.2), l2: 0.5, l2Scale: 'mini-batches', maxNorm: 2, validation, test, testAccuracyAt: 'best-validation', testEveryEpoch: true,
      stopOnDivergence: false, backend: 'reference', progress: false,
    });
    expect(viaFit.params.map((p) => [...p.get().data])).toEqual(viaSgd.params.map((p) => [...p.get().data]));
    expect(untimed(fromFit)).toEqual(untimed(fromSgd));
    expect(sgdReports).toEqual(fromSgd.epochs.map((r) => r.cost));
    // network3's L2 term divides by the mini-batches, fit's default by the examples: another cost.
    const perExample = await fit(dropoutNet(), data, { epochs: 1, optimizer: sgd(0.2), l2: 0.5, backend: 'reference' });
    expect(perExample.epochs[0]!.cost).not.toBe(fromSgd.epochs[0]!.cost);
  });

  it('fit stops when the cost diverges; Network.sgd runs every epoch, as network3', async () => {
    const data = blobs(40, 11);
    const diverging = { backend: 'reference', progress: false } as const;
    const h = await fit(dropoutNet(), data, { epochs: 3, optimizer: sgd(1e30), ...diverging });
    expect(h.epochs.map((r) => Number.isFinite(r.cost))).toEqual([false]);
    const s = await dropoutNet().sgd(data, 3, 10, 1e30, null, null, diverging);
    expect(s.epochs.map((r) => Number.isFinite(r.cost))).toEqual([false, false, false]);
  });
});
