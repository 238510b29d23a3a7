import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, NDArray, vector } from '@hypatia/core';
import '@hypatia/backends';
import { CheckpointError, FullyConnectedLayer, momentum, Network, relu, SoftmaxLayer, type TrainingHistory } from '@hypatia/nn';
import { hasCheckpoint, readCheckpointSummary } from '@hypatia/nn/node';
import { Rng } from './init/rng.js';

// WebGPU runs where an adapter exists (SwiftShader without a GPU); under CI=true a missing adapter is a failure.
const probe = vector('probe');
const webgpu = await compile({ inputs: [probe], outputs: probe, backend: 'webgpu' }).then(() => true, (e: Error) => {
  if (process.env.CI === 'true') throw e;
  console.warn(`WebGPU checkpoint test skipped: ${e.message}`);
  return false;
});

const root = mkdtempSync(join(tmpdir(), 'hypatia-sgd-checkpoint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `run-${dirs++}`);

/** Three noisy classes in 6 dimensions: hard enough that validation accuracy moves between epochs. */
function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = NDArray.zeros('float32', [n, 6]);
  const y = NDArray.zeros('int32', [n]);
  for (let i = 0; i < n; i++) {
    y.data[i] = i % 3;
    for (let j = 0; j < 6; j++) x.data[i * 6 + j] = (j === y.data[i] ? 1.2 : 0) + rng.normal();
  }
  return { x, y };
}
const training = data(200, 1);
const validation = data(60, 2);
const test = data(60, 3);

/** Dropout in both layers, so the random streams' states are part of what must be resumed. */
const makeNet = (seed: number) => new Network([
  new FullyConnectedLayer({ nIn: 6, nOut: 12, activation: relu, pDropout: 0.3, seed }),
  new SoftmaxLayer({ nIn: 12, nOut: 3, pDropout: 0.2, seed: seed + 1 }),
], 10);
const values = (net: Network) => Promise.all(net.params.map(async (p) => Array.from((await p.getAsync()).data)));
/** Everything but the wall times, which differ from run to run. */
const untimed = (h: TrainingHistory) => ({
  ...h, seconds: undefined, trainExamplesPerSec: undefined,
  epochs: h.epochs.map((r) => ({ ...r, seconds: undefined, examplesPerSecond: undefined })),
});
/** Momentum (velocities to resume) and early stopping (best weights to resume), with the test accuracy every epoch. */
const options = (backend: string) => ({ backend, progress: false as const, updateRule: momentum(0.05, 0.9), lmbda: 0.1, earlyStoppingPatience: 4, testEveryEpoch: true });
const EPOCHS = 6;

// On WebGPU the weights live on the GPU: saving reads them back, resuming replaces them there.
describe.each(['reference', 'native', ...(webgpu ? ['webgpu'] : [])])('Network.sgd checkpoints on %s', (backend) => {
  it('an interrupted run resumed into a differently initialised network ends exactly as the uninterrupted run', async () => {
    const whole = makeNet(7);
    const expected = await whole.sgd(training, EPOCHS, 10, 0.05, validation, test, options(backend));
    expect(new Set(expected.epochs.map((r) => r.validationAccuracy)).size).toBeGreaterThan(1);

    const dir = freshDir();
    const interrupted = makeNet(7);
    const crash = new Error('interrupted after epoch 2');
    await expect(interrupted.sgd(training, EPOCHS, 10, 0.05, validation, test, {
      ...options(backend), checkpoint: { dir }, onEpoch: (r) => { if (r.epoch === 2) throw crash; },
    })).rejects.toBe(crash);
    expect(readCheckpointSummary(dir)).toEqual({ call: 'Network.sgd', epochsDone: 3, stopped: false });

    // Other seeds: every weight and random state must come from the checkpoint for the result to match.
    const resumed = makeNet(99);
    const seen: number[] = [];
    const history = await resumed.sgd(training, EPOCHS, 10, 0.05, validation, test, { ...options(backend), checkpoint: { dir, resume: true }, onEpoch: (r) => seen.push(r.epoch) });
    expect(seen).toEqual([3, 4, 5]);
    expect(await values(resumed)).toEqual(await values(whole));
    expect(untimed(history)).toEqual(untimed(expected));
    expect(history.seconds).toBeGreaterThan(0);

    // Resuming the finished run trains nothing and gives the same history and weights again.
    const again = makeNet(5);
    const finished = await again.sgd(training, EPOCHS, 10, 0.05, validation, test, { ...options(backend), checkpoint: { dir, resume: true }, onEpoch: () => { throw new Error('no epoch should run'); } });
    expect(untimed(finished)).toEqual(untimed(expected));
    expect(await values(again)).toEqual(await values(whole));
  });
});

describe('Network.sgd checkpoint errors', () => {
  const run = (net: Network, checkpoint: { dir: string; resume?: boolean }, eta = 0.05, epochs = 2) =>
    net.sgd(training, epochs, 10, eta, validation, test, { ...options('reference'), checkpoint });

  it('refuses to resume from nothing and to overwrite a checkpoint without resume', async () => {
    const dir = freshDir();
    await expect(run(makeNet(1), { dir, resume: true })).rejects.toThrow(/Network\.sgd: resume: there is no checkpoint at .*checkpoint\.safetensors/);
    await run(makeNet(1), { dir });
    expect(hasCheckpoint(dir)).toBe(true);
    await expect(run(makeNet(1), { dir })).rejects.toThrow(CheckpointError);
    await expect(run(makeNet(1), { dir })).rejects.toThrow(/already holds a checkpoint; pass resume: true/);
  });

  it('refuses a checkpoint of other settings, another network or more epochs, and changes no weight', async () => {
    const dir = freshDir();
    await run(makeNet(1), { dir });
    const net = makeNet(2);
    const before = await values(net);
    await expect(run(net, { dir, resume: true }, 0.1)).rejects.toThrow(/made by a different run: eta 0\.05 in the checkpoint, 0\.1 now/);
    await expect(run(net, { dir, resume: true }, 0.05, 1)).rejects.toThrow(/has 2 epochs done, more than the 1 asked for/);
    expect(await values(net)).toEqual(before);
    const wider = new Network([new FullyConnectedLayer({ nIn: 6, nOut: 13, activation: relu, pDropout: 0.3, seed: 1 }), new SoftmaxLayer({ nIn: 13, nOut: 3, pDropout: 0.2, seed: 2 })], 10);
    const widerBefore = await values(wider);
    await expect(run(wider, { dir, resume: true })).rejects.toThrow(/'layers\.0\.w' is float32\[6, 12\] in the checkpoint but float32\[6, 13\] in this run/);
    expect(await values(wider)).toEqual(widerBefore);
    const noDropout = new Network([new FullyConnectedLayer({ nIn: 6, nOut: 12, activation: relu, seed: 1 }), new SoftmaxLayer({ nIn: 12, nOut: 3, seed: 2 })], 10);
    await expect(run(noDropout, { dir, resume: true })).rejects.toThrow(/holds tensors this run lacks: state\.\d+\.rng_state_0/);
  });
});
