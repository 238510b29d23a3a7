import { ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer, relu, sigmoid, type Layer } from '@hypatia/nn';

/**
 * One of the book's chapter-6 experiments: its network, hyperparameters and the accuracy the book
 * reports. Each row is the code listing of chapter 6 ("Convolutional neural networks in practice"),
 * mini-batch 10 throughout; network3 starts every layer from its own random weights, one seed here.
 */
export interface Experiment {
  name: string;
  description: string;
  epochs: number;
  eta: number;
  lmbda: number;
  /** Train on the expanded data (expand_mnist.py: 250,000 images). */
  expanded: boolean;
  /** Networks voting together (the ensemble); 1 otherwise. */
  members: number;
  /** Best test accuracy in the book (Nielsen, chapter 6), in percent. */
  bookTestAccuracy: number;
  build(miniBatchSize: number, seed: number): Layer[];
}

const conv1 = (mb: number, seed: number, act = sigmoid) =>
  new ConvPoolLayer({ imageShape: [mb, 1, 28, 28], filterShape: [20, 1, 5, 5], poolSize: [2, 2], activation: act, seed });
const conv2 = (mb: number, seed: number, act = sigmoid) =>
  new ConvPoolLayer({ imageShape: [mb, 20, 12, 12], filterShape: [40, 20, 5, 5], poolSize: [2, 2], activation: act, seed: seed + 1 });

export const EXPERIMENTS: Record<string, Experiment> = {
  shallow: {
    name: 'shallow', description: 'one hidden layer of 100 sigmoid neurons', epochs: 60, eta: 0.1, lmbda: 0, expanded: false, members: 1, bookTestAccuracy: 97.8,
    build: (_mb, s) => [new FullyConnectedLayer({ nIn: 784, nOut: 100, seed: s }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: s + 9 })],
  },
  conv: {
    name: 'conv', description: '20 5x5 filters, 2x2 max-pooling, 100 sigmoid neurons', epochs: 60, eta: 0.1, lmbda: 0, expanded: false, members: 1, bookTestAccuracy: 98.78,
    build: (mb, s) => [conv1(mb, s), new FullyConnectedLayer({ nIn: 20 * 12 * 12, nOut: 100, seed: s + 2 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: s + 9 })],
  },
  conv2: {
    name: 'conv2', description: 'two conv-pool layers (20 and 40 filters), 100 sigmoid neurons', epochs: 60, eta: 0.1, lmbda: 0, expanded: false, members: 1, bookTestAccuracy: 99.06,
    build: (mb, s) => [conv1(mb, s), conv2(mb, s), new FullyConnectedLayer({ nIn: 40 * 4 * 4, nOut: 100, seed: s + 2 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: s + 9 })],
  },
  relu: {
    name: 'relu', description: 'conv2 with rectified linear units, L2 regularisation', epochs: 60, eta: 0.03, lmbda: 0.1, expanded: false, members: 1, bookTestAccuracy: 99.23,
    build: (mb, s) => [conv1(mb, s, relu), conv2(mb, s, relu), new FullyConnectedLayer({ nIn: 40 * 4 * 4, nOut: 100, activation: relu, seed: s + 2 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: s + 9 })],
  },
  expanded: {
    name: 'expanded', description: 'the relu network on the expanded training data', epochs: 60, eta: 0.03, lmbda: 0.1, expanded: true, members: 1, bookTestAccuracy: 99.37,
    build: (mb, s) => EXPERIMENTS.relu!.build(mb, s),
  },
  fc2: {
    name: 'fc2', description: 'expanded data, two fully connected layers of 100 ReLUs', epochs: 60, eta: 0.03, lmbda: 0.1, expanded: true, members: 1, bookTestAccuracy: 99.43,
    build: (mb, s) => [conv1(mb, s, relu), conv2(mb, s, relu),
      new FullyConnectedLayer({ nIn: 40 * 4 * 4, nOut: 100, activation: relu, seed: s + 2 }),
      new FullyConnectedLayer({ nIn: 100, nOut: 100, activation: relu, seed: s + 3 }),
      new SoftmaxLayer({ nIn: 100, nOut: 10, seed: s + 9 })],
  },
  // The book's call has no lmbda: `net.SGD(expanded_training_data, 40, mini_batch_size, 0.03,
  // validation_data, test_data)`; dropout takes the place of L2 (conv.py's double_fc_dropout is the same).
  dropout: {
    name: 'dropout', description: 'expanded data, two layers of 1000 ReLUs with dropout 0.5', epochs: 40, eta: 0.03, lmbda: 0, expanded: true, members: 1, bookTestAccuracy: 99.6,
    build: (mb, s) => dropoutLayers(mb, s),
  },
  // Five networks trained "using the prescription above" (the dropout run), then a plurality vote of their test predictions.
  ensemble: {
    name: 'ensemble', description: 'five dropout networks voting', epochs: 40, eta: 0.03, lmbda: 0, expanded: true, members: 5, bookTestAccuracy: 99.67,
    build: (mb, s) => dropoutLayers(mb, s),
  },
};

function dropoutLayers(mb: number, s: number): Layer[] {
  return [conv1(mb, s, relu), conv2(mb, s, relu),
    new FullyConnectedLayer({ nIn: 40 * 4 * 4, nOut: 1000, activation: relu, pDropout: 0.5, seed: s + 2 }),
    new FullyConnectedLayer({ nIn: 1000, nOut: 1000, activation: relu, pDropout: 0.5, seed: s + 3 }),
    new SoftmaxLayer({ nIn: 1000, nOut: 10, pDropout: 0.5, seed: s + 9 })];
}

export function buildNetwork(e: Experiment, miniBatchSize: number, seed: number): Network {
  return new Network(e.build(miniBatchSize, seed), miniBatchSize);
}
