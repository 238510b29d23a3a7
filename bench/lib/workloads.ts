// What every runner trains and evaluates: the MNIST rows, the two network3 architectures and their
// initial weights, taken from Hypatia's own seeded layers so that every peer starts from the same numbers.
// Browser-safe (bench/browser runs the runners in Chromium); the rows are read from disk by bench-data.ts.
import { Network, FullyConnectedLayer, ConvPoolLayer, SoftmaxLayer } from '@hypatia/nn';

export type NetKind = 'shallow' | 'conv';

export interface BenchData {
  trainX: Float32Array; // [nTrain, 784]
  trainY: Int32Array;
  validX: Float32Array; // [nValid, 784]
  validY: Int32Array;
  nTrain: number;
  nValid: number;
}

/** One parameter in Hypatia's layout: FC weights [in, out], conv filters [out, in, kh, kw] (OIHW), biases [n]. */
export interface Param { name: string; shape: number[]; data: Float32Array }

export const ETA = 0.1;
/** network3's conv net: 20 5x5 filters, 2x2 max-pooling, so 20 maps of 12x12 reach the FC layer. */
export const CONV_FEATURES = 20 * 12 * 12;

/** A fresh Hypatia network of `kind` with fixed seeds: the same initial weights on every call. */
export function buildNetwork(kind: NetKind, miniBatch: number): Network {
  if (kind === 'shallow') {
    return new Network([new FullyConnectedLayer({ nIn: 784, nOut: 100, seed: 11 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 12 })], miniBatch);
  }
  return new Network([
    new ConvPoolLayer({ filterShape: [20, 1, 5, 5], imageShape: [miniBatch, 1, 28, 28], poolSize: [2, 2], seed: 21 }),
    new FullyConnectedLayer({ nIn: CONV_FEATURES, nOut: 100, seed: 22 }),
    new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 23 }),
  ], miniBatch);
}

/** The initial parameters in layer order: [w, b] per layer. */
export function initialParams(kind: NetKind): Param[] {
  const net = buildNetwork(kind, 10);
  return net.params.map((p, i) => {
    const v = p.get();
    return { name: `${p.name ?? 'p'}${i}`, shape: [...v.shape], data: Float32Array.from(v.data as Float32Array) };
  });
}
