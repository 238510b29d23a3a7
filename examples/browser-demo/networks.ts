// The two networks the page trains: network3's shallow net and its convolutional net (Nielsen,
// chapter 6), with fixed seeds so every run starts from the same weights.
import { ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer } from '@hypatia/nn';

export type NetworkKind = 'shallow' | 'conv';

export const NETWORKS: Record<NetworkKind, string> = {
  shallow: 'shallow: 784 inputs, 100 sigmoid neurons, softmax over 10',
  conv: 'conv: 20 filters of 5x5, 2x2 max-pooling, 100 sigmoid neurons, softmax over 10',
};

export function isNetworkKind(s: string): s is NetworkKind {
  return s in NETWORKS;
}

export function buildNetwork(kind: NetworkKind, miniBatch: number): Network {
  if (kind === 'shallow') {
    return new Network([new FullyConnectedLayer({ nIn: 784, nOut: 100, seed: 1 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 2 })], miniBatch);
  }
  return new Network([
    new ConvPoolLayer({ filterShape: [20, 1, 5, 5], imageShape: [miniBatch, 1, 28, 28], poolSize: [2, 2], seed: 3 }),
    new FullyConnectedLayer({ nIn: 20 * 12 * 12, nOut: 100, seed: 4 }),
    new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 5 }),
  ], miniBatch);
}
