import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { readCheckpointSummary } from '@hypatia/nn/node';
import { Network } from '../network.js';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { SoftmaxLayer } from '../layers/softmax-layer.js';
import { linear } from '../layers/activations.js';
import { BatchNormLayer } from '../layers/batch-norm.js';
import { DropoutLayer } from '../layers/dropout-layer.js';
import { Rng } from '../init/rng.js';
import { adam } from '../optimizers/optimizers.js';
import { fit, type FitHistory, type FitOptions } from './fit.js';

const root = mkdtempSync(join(tmpdir(), 'hypatia-fit-checkpoint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 6); const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 6; j++) x[i * 6 + j] = (y[i] ? 1 : -1) * (j < 2 ? 0.6 : 0) + rng.normal();
  }
  return { x: new NDArray('float32', [n, 6], x), y: new NDArray('int32', [n], y) };
}
const training = blobs(120, 1);
const validation = blobs(40, 2);
const test = blobs(40, 3);

/** Batch norm (running statistics), a dropout layer (a random stream) and Adam (moments and step count). */
const makeNet = (seed: number) => new Network([
  new FullyConnectedLayer({ nIn: 6, nOut: 8, activation: linear, seed }),
  new BatchNormLayer({ features: 8, activation: (z) => z }),
  new DropoutLayer({ keep: 0.8, seed: seed + 1 }),
  new SoftmaxLayer({ nIn: 8, nOut: 2, seed: seed + 2 }),
], 10);
// A fresh optimiser per run: its state variables belong to the network it trains.
const options = (): FitOptions => ({
  epochs: 6, optimizer: adam(0.02), l2: 0.5, validation, test, backend: 'reference', shuffleSeed: 3,
  halveOnPlateau: { patience: 1, stopRatio: 1000 }, trainAccuracy: true,
});
const state = (net: Network) => [...net.params, (net.layers[1] as BatchNormLayer).runningMean, (net.layers[1] as BatchNormLayer).runningVar].map((p) => Array.from(p.get().data));
/** Everything but the wall times and speeds, which differ from run to run. */
const untimed = (h: FitHistory) => ({
  ...h, seconds: undefined, trainExamplesPerSec: undefined,
  epochs: h.epochs.map((r) => ({ ...r, seconds: undefined, examplesPerSecond: undefined })),
});

describe('fit checkpoints', () => {
  it('an interrupted fit resumed into a differently initialised network ends exactly as the uninterrupted one', async () => {
    const whole = makeNet(4);
    const expected = await fit(whole, training, options());
    // The plateau rule changed the learning rate on the way, so it is part of what must be resumed.
    expect(new Set(expected.epochs.map((e) => e.eta)).size).toBeGreaterThan(1);

    const dir = join(root, 'fit');
    const crash = new Error('interrupted');
    await expect(fit(makeNet(4), training, { ...options(), checkpoint: { dir }, onEpoch: (r) => { if (r.epoch === 2) throw crash; } })).rejects.toBe(crash);
    expect(readCheckpointSummary(dir)).toEqual({ call: 'fit', epochsDone: 3, stopped: false });

    const resumed = makeNet(40);
    const history = await fit(resumed, training, { ...options(), checkpoint: { dir, resume: true } });
    expect(state(resumed)).toEqual(state(whole));
    expect(untimed(history)).toEqual(untimed(expected));
  });

  it('refuses to resume a checkpoint that Network.sgd wrote', async () => {
    const dir = join(root, 'sgd');
    await makeNet(4).sgd(training, 1, 10, 0.1, null, null, { backend: 'reference', progress: false, checkpoint: { dir } });
    await expect(fit(makeNet(4), training, { ...options(), checkpoint: { dir, resume: true } })).rejects.toThrow(/fit: .*checkpoint\.safetensors was written by Network\.sgd, not fit/);
  });
});
