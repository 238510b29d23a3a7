import { describe, expect, it } from 'vitest';
import { HypatiaError, NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { Network } from '../network.js';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { SoftmaxLayer } from '../layers/softmax-layer.js';
import { ConvPoolLayer } from '../layers/conv-pool.js';
import { DropoutLayer } from '../layers/dropout-layer.js';
import { fit } from '../training/fit.js';
import { checkGradients } from '../diagnostics/gradient-check.js';
import { gradientNorms } from '../diagnostics/gradient-norms.js';
import { averageProbabilities, majorityVote } from '../ensembles/ensembles.js';
import { NnDataError } from './check-data.js';
import type { Dataset } from './dataset.js';

/** n rows of `width` pixels in [0, 1) and labels cycling through `classes`. */
function data(n: number, width: number, classes = 10): Dataset {
  const x = NDArray.zeros('float32', [n, width]);
  for (let i = 0; i < x.size; i++) x.data[i] = ((i * 7919) % 1000) / 1000;
  const y = NDArray.zeros('int32', [n]);
  for (let i = 0; i < n; i++) y.data[i] = i % classes;
  return { x, y };
}

function mnistShaped(): Network {
  return new Network([new FullyConnectedLayer({ nIn: 784, nOut: 8, seed: 1 }), new SoftmaxLayer({ nIn: 8, nOut: 10, seed: 2 })], 10);
}

/** A copy of every parameter, to show that a rejected call trained nothing. */
function weightsOf(net: Network): number[][] {
  return net.params.map((p) => Array.from(p.get().data));
}

/** The call rejects with an NnDataError (a HypatiaError) whose message matches, and no parameter changed. */
async function rejects(net: Network, call: () => Promise<unknown>, message: RegExp): Promise<void> {
  const before = weightsOf(net);
  const error = await call().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(NnDataError);
  expect(error).toBeInstanceOf(HypatiaError);
  expect((error as Error).message).toMatch(message);
  expect(weightsOf(net)).toEqual(before);
}

const sgd = { backend: 'reference', progress: false } as const;

describe('data entering a network is checked', () => {
  it('rejects images wider than the first layer (1568 columns into nIn 784) before training', async () => {
    const net = mnistShaped();
    await rejects(net, () => net.sgd(data(40, 1568), 1, 10, 0.5, null, null, sgd),
      /^Network\.sgd: training data: images have 1568 columns but the first layer \(FullyConnectedLayer nIn 784\) expects 784$/);
    await rejects(net, () => fit(net, data(40, 1568), { epochs: 1, backend: 'reference' }),
      /^fit: training data: images have 1568 columns but the first layer \(FullyConnectedLayer nIn 784\) expects 784$/);
  });

  it('predict rejects rows of the wrong width instead of regrouping them ([10, 392] is not 5 images)', async () => {
    const net = mnistShaped();
    await rejects(net, () => net.predict(data(10, 392).x, { backend: 'reference' }),
      /^Network\.predict: x: images have 392 columns but the first layer \(FullyConnectedLayer nIn 784\) expects 784$/);
    await rejects(net, () => net.predict(data(1, 784).x.reshape([784]), { backend: 'reference' }), /x: images must be \[n, values per example\].*pass \[1, 784\]/);
    expect((await net.predict(data(3, 784).x, { backend: 'reference' })).shape).toEqual([3]);
    expect((await net.predict(data(0, 784).x, { backend: 'reference' })).shape).toEqual([0]);
  });

  it('rejects labels outside [0, classes) in validation and test data instead of counting them wrong', async () => {
    const net = mnistShaped();
    const validation = data(50, 784);
    validation.y.data[37] = 12;
    await rejects(net, () => net.sgd(data(40, 784), 1, 10, 0.5, validation, null, sgd),
      /^Network\.sgd: validation data: label 12 at row 37 is outside \[0, 10\)/);
    const test = data(20, 784);
    test.y.data[3] = -1;
    await rejects(net, () => net.sgd(data(40, 784), 1, 10, 0.5, null, test, sgd), /test data: label -1 at row 3 is outside \[0, 10\)/);
    await rejects(net, () => net.accuracy(test, { backend: 'reference' }), /^Network\.accuracy: data: label -1 at row 3 is outside \[0, 10\)/);
    await rejects(net, () => fit(net, data(40, 784), { epochs: 1, validation, backend: 'reference' }), /^fit: validation data: label 12 at row 37/);
  });

  it('rejects labels that are not integers', async () => {
    const net = mnistShaped();
    const training = data(40, 784);
    const floats = training.y.astype('float32');
    floats.data[4] = 1.5;
    await rejects(net, () => net.sgd({ x: training.x, y: floats }, 1, 10, 0.5, null, null, sgd), /training data: label 1\.5 at row 4 is not an integer/);
    await rejects(net, () => net.sgd({ x: training.x, y: training.y.astype('float32') }, 1, 10, 0.5, null, null, sgd), /training data: labels must be int32, got float32/);
  });

  it('rejects NaN or Infinity in the images before any weight becomes NaN', async () => {
    const net = mnistShaped();
    const test = data(20, 784);
    test.x.data[5 * 784 + 200] = NaN;
    await rejects(net, () => net.sgd(data(40, 784), 1, 10, 0.5, null, test, sgd), /^Network\.sgd: test data: image row 5 column 200 is NaN$/);
    const training = data(40, 784);
    training.x.data[39 * 784] = -Infinity;
    await rejects(net, () => net.sgd(training, 1, 10, 0.5, null, null, sgd), /training data: image row 39 column 0 is -Infinity/);
    await rejects(net, () => net.predict(test.x, { backend: 'reference' }), /^Network\.predict: x: image row 5 column 200 is NaN$/);
  });

  it('scans each array once: the result is kept per array, however often it is passed', async () => {
    const net = mnistShaped();
    const training = data(40, 784);
    await net.sgd(training, 1, 10, 0.5, null, null, sgd);
    // Changed in place after its check, the array is not scanned again (the documented cost of checking once)...
    training.x.data[0] = NaN;
    await expect(net.accuracy(training, { backend: 'reference' })).resolves.toBeTypeOf('number');
    // ...while a new array with the same values is.
    await rejects(net, () => net.accuracy({ x: training.x.copy(), y: training.y }, { backend: 'reference' }), /data: image row 0 column 0 is NaN/);
  });

  it('rejects a training set smaller than a mini-batch, and empty datasets', async () => {
    const net = mnistShaped();
    await rejects(net, () => net.sgd(data(7, 784), 1, 10, 0.5, null, null, sgd), /^Network\.sgd: training data: 7 examples make no mini-batch of 10$/);
    await rejects(net, () => net.sgd(data(0, 784), 1, 10, 0.5, null, null, sgd), /training data: is empty/);
    await rejects(net, () => net.sgd(data(40, 784), 1, 10, 0.5, data(0, 784), null, sgd), /validation data: is empty/);
    await rejects(net, () => net.accuracy(data(0, 784), { backend: 'reference' }), /data: is empty/);
    await rejects(net, () => fit(net, data(7, 784), { epochs: 1, backend: 'reference' }), /^fit: training data: 7 examples make no mini-batch of 10$/);
  });

  it('checks images against a conv layer: the flat width is c*h*w and shaped images are channels first', async () => {
    const conv = new ConvPoolLayer({ filterShape: [2, 3, 3, 3], imageShape: [10, 3, 8, 8], seed: 1 });
    const net = new Network([conv, new SoftmaxLayer({ nIn: 2 * 3 * 3, nOut: 10, seed: 2 })], 10);
    await rejects(net, () => net.sgd(data(20, 64), 1, 10, 0.5, null, null, sgd),
      /training data: images have 64 columns but the first layer \(ConvPoolLayer image \[3, 8, 8\]\) expects 192 \(3x8x8\)/);
    const channelsLast = { x: data(20, 192).x.reshape([20, 8, 8, 3]), y: data(20, 192).y };
    await rejects(net, () => net.sgd(channelsLast, 1, 10, 0.5, null, null, sgd),
      /training data: each image is \[8, 8, 3\] but the first layer \(ConvPoolLayer image \[3, 8, 8\]\) expects \[3, 8, 8\]/);
    expect((await net.predict(data(4, 192).x.reshape([4, 3, 8, 8]), { backend: 'reference' })).shape).toEqual([4]);
  });

  it('looks through an input dropout layer to the first layer that reads a fixed width', async () => {
    const net = new Network([new DropoutLayer({ keep: 0.8, seed: 3 }), new FullyConnectedLayer({ nIn: 784, nOut: 8, seed: 1 }), new SoftmaxLayer({ nIn: 8, nOut: 10 })], 10);
    await rejects(net, () => net.sgd(data(40, 1568), 1, 10, 0.5, null, null, sgd), /images have 1568 columns but layers\[1\] \(FullyConnectedLayer nIn 784\) expects 784/);
  });

  it('rejects a layer that does not read what the layer before it writes', () => {
    const conv = () => new ConvPoolLayer({ filterShape: [20, 1, 5, 5], imageShape: [10, 1, 28, 28], seed: 1 });
    expect(() => new Network([conv(), new FullyConnectedLayer({ nIn: 1440, nOut: 10 }), new SoftmaxLayer({ nIn: 10, nOut: 10 })], 10))
      .toThrow(/^Network: layers\[1\] \(FullyConnectedLayer nIn 1440\) expects 1440 values per example but the first layer \(ConvPoolLayer image \[1, 28, 28\]\) gives 2880 \(\[20, 12, 12\]\)/);
    expect(() => new Network([conv(), new ConvPoolLayer({ filterShape: [4, 20, 3, 3], imageShape: [10, 20, 10, 10] }), new SoftmaxLayer({ nIn: 64, nOut: 10 })], 10))
      .toThrow(/layers\[1\] \(ConvPoolLayer image \[20, 10, 10\]\) expects \[20, 10, 10\] values per example but the first layer .* gives \[20, 12, 12\]/);
    expect(() => new Network([new FullyConnectedLayer({ nIn: 4, nOut: 6 }), new DropoutLayer({ keep: 0.5 }), new SoftmaxLayer({ nIn: 5, nOut: 2 })], 10))
      .toThrow(/layers\[2\] \(SoftmaxLayer nIn 5\) expects 5 values per example but the first layer \(FullyConnectedLayer nIn 4\) gives 6/);
    expect(() => new Network([conv(), new FullyConnectedLayer({ nIn: 2880, nOut: 10 }), new SoftmaxLayer({ nIn: 10, nOut: 10 })], 10)).not.toThrow();
  });

  it('checks the batch of the gradient diagnostics', async () => {
    const net = mnistShaped();
    const batch = data(10, 784);
    batch.y.data[2] = 10;
    await rejects(net, () => checkGradients(net, batch), /^checkGradients: batch: label 10 at row 2 is outside \[0, 10\)/);
    await rejects(net, () => gradientNorms(net, data(10, 392), { backend: 'reference' }), /^gradientNorms: batch: images have 392 columns/);
  });

  it('checks the ensembles\' inputs', () => {
    expect(() => majorityVote([NDArray.from([0, 1], 'int32'), NDArray.from([1, 1.5], 'float32')])).toThrow(/majorityVote: predictions\[1\]: 1\.5 at row 1 is not a class index/);
    const p = NDArray.from([[0.5, 0.5], [0.2, NaN]], 'float32');
    expect(() => averageProbabilities([p, p])).toThrow(/averageProbabilities: probabilities\[0\]: row 1 column 1 is NaN/);
  });
});
