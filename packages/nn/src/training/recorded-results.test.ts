import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import '@hypatia/backends';
import {
  adam, BatchNormLayer, DropoutLayer, fit, FullyConnectedLayer, l1Penalty, linear, momentum, Network, relu, SigmoidOutputLayer, sliceDataset,
  SoftmaxLayer, type TrainingHistory,
} from '@hypatia/nn';
import { loadMnist } from '@hypatia/nn/node';

// Weights and histories recorded on the reference backend before Network.sgd and fit shared one
// training loop, one optimiser interface and one dense base class; the refactoring must leave every
// number as it was. A change to an op's or the reference backend's arithmetic changes them too: check
// that such a change is meant before recording new values.

const mnist = loadMnist({ limit: 200 });
const training = mnist.training;
const validation = sliceDataset(mnist.validation, 0, 100);
const test = sliceDataset(mnist.test, 0, 100);
const backend = 'reference';

/** The first 16 hex digits of the SHA-256 of every parameter's bytes, in order. */
function weightsDigest(net: Network): string {
  const h = createHash('sha256');
  for (const p of net.params) {
    const a = p.get();
    h.update(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

interface Recorded { weights: string; costs: number[]; validation: (number | null)[]; bestEpoch: number | null; testAccuracy: number | null }
const outcome = (net: Network, h: TrainingHistory): Recorded => ({
  weights: weightsDigest(net), costs: h.epochs.map((e) => e.cost), validation: h.epochs.map((e) => e.validationAccuracy), bestEpoch: h.bestEpoch, testAccuracy: h.testAccuracy,
});

describe('training results are those recorded', () => {
  it('network3\'s shallow network (Network.sgd, lmbda 0)', async () => {
    const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 100, seed: 1 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 10 })], 10);
    const h = await net.sgd(training, 2, 10, 0.1, validation, test, { backend, progress: false });
    expect(outcome(net, h)).toEqual({ weights: '2c94285001942ff3', costs: [2.332912361621857, 2.2359615087509157], validation: [0.06, 0.06], bestEpoch: 1, testAccuracy: 0.08 });
  });

  it('network3\'s dropout in its dense layers, with L2 (Network.sgd)', async () => {
    const net = new Network([
      new FullyConnectedLayer({ nIn: 784, nOut: 60, activation: relu, pDropout: 0.5, seed: 2 }),
      new FullyConnectedLayer({ nIn: 60, nOut: 40, activation: relu, pDropout: 0.5, seed: 3 }),
      new SoftmaxLayer({ nIn: 40, nOut: 10, pDropout: 0.5, seed: 11 }),
    ], 10);
    const h = await net.sgd(training, 2, 10, 0.03, validation, test, { backend, progress: false, lmbda: 0.1 });
    expect(outcome(net, h)).toEqual({ weights: 'ccbc3e794375df31', costs: [4.408012080192566, 4.381562447547912], validation: [0.15, 0.11], bestEpoch: 0, testAccuracy: 0.19 });
  });

  it('Network.sgd with momentum, max-norm, a penalty, early stopping and the test accuracy of every epoch', async () => {
    const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 30, activation: relu, seed: 4 }), new SoftmaxLayer({ nIn: 30, nOut: 10, seed: 12 })], 10);
    const penalty = l1Penalty(net.layers.flatMap((l) => [...l.weights]), 0.01, 200);
    const h = await net.sgd(training, 4, 10, 0.05, validation, test, {
      backend, progress: false, lmbda: 0.5, updateRule: momentum(0.05, 0.9), maxNorm: 2, penalty, earlyStoppingPatience: 1, testEveryEpoch: true,
    });
    expect(outcome(net, h)).toEqual({
      weights: 'fd07cd9c02de80e0', costs: [3.96864767074585, 2.143016356229782, 1.3971439212560655, 1.102448785305023],
      validation: [0.39, 0.46, 0.57, 0.65], bestEpoch: 3, testAccuracy: 0.68,
    });
    expect(h.epochs.map((e) => e.epochTestAccuracy)).toEqual([0.46, 0.53, 0.63, 0.68]);
  });

  it('Network.sgd with Adam, batch norm and an inverted dropout layer (a tie with the best validation accuracy is the new best, as network3)', async () => {
    const net = new Network([
      new FullyConnectedLayer({ nIn: 784, nOut: 30, activation: linear, seed: 5 }), new BatchNormLayer({ features: 30, activation: relu }),
      new DropoutLayer({ keep: 0.7, seed: 6 }), new SoftmaxLayer({ nIn: 30, nOut: 10, seed: 13 }),
    ], 10);
    const h = await net.sgd(training, 2, 10, 0.05, validation, null, { backend, progress: false, updateRule: adam(0.002) });
    expect(outcome(net, h)).toEqual({ weights: '68bf0e6117630a21', costs: [2.2577823042869567, 2.0664262890815737], validation: [0.38, 0.38], bestEpoch: 1, testAccuracy: null });
  });

  it('fit with Adam, L2, L1, clipping, max-norm, shuffling, an inverted dropout layer and the training accuracy', async () => {
    const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 30, activation: relu, seed: 7 }), new DropoutLayer({ keep: 0.8, seed: 8 }), new SoftmaxLayer({ nIn: 30, nOut: 10, seed: 14 })], 10);
    const h = await fit(net, training, { epochs: 3, optimizer: adam(0.003), l2: 0.5, l1: 0.1, clipNorm: 3, maxNorm: 2.5, shuffleSeed: 9, trainAccuracy: true, validation, test, backend });
    expect(outcome(net, h)).toEqual({ weights: '51ae8d7f6fec8282', costs: [3.1189993977546693, 2.419439935684204, 1.7843162536621093], validation: [0.23, 0.4, 0.5], bestEpoch: 2, testAccuracy: 0.59 });
    expect(h.epochs.map((e) => e.trainAccuracy)).toEqual([0.255, 0.58, 0.735]);
  });

  it('fit with momentum, a network3-mode dropout layer, a sigmoid output layer, the plateau rule and early stopping', async () => {
    const net = new Network([
      new FullyConnectedLayer({ nIn: 784, nOut: 30, seed: 15 }), new DropoutLayer({ keep: 0.6, mode: 'network3', seed: 16 }),
      new SigmoidOutputLayer({ nIn: 30, nOut: 10, cost: 'cross-entropy', seed: 17 }),
    ], 10);
    const h = await fit(net, training, {
      epochs: 4, optimizer: momentum(0.5, 0.5), halveOnPlateau: { patience: 1, stopRatio: 1000 }, earlyStoppingPatience: 2, penaliseBiases: true, l2: 0.2, validation, test, backend,
    });
    expect(outcome(net, h)).toEqual({
      weights: '629ae62b4d9aeb1d', costs: [4.058146834373474, 3.2728500247001646, 2.8020967721939085, 2.3726317942142487],
      validation: [0.13, 0.33, 0.52, 0.63], bestEpoch: 3, testAccuracy: 0.7,
    });
  });
});
