import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { FullyConnectedLayer, Network, relu, SoftmaxLayer, type CheckpointOptions, type TrainingHistory } from '@hypatia/nn';
import '@hypatia/nn/node';

export const CRASH_TEST_EPOCHS = 3;

/** A small dropout network trained on the reference backend (the same numbers in any process) for three epochs. */
export async function crashTestRun(checkpoint?: CheckpointOptions, seed = 3): Promise<{ net: Network; history: TrainingHistory }> {
  const n = 120;
  const x = NDArray.zeros('float32', [n, 5]);
  const y = NDArray.zeros('int32', [n]);
  for (let i = 0; i < n; i++) {
    y.data[i] = i % 2;
    for (let j = 0; j < 5; j++) x.data[i * 5 + j] = Math.sin(i * 1.3 + j * 0.7) + (j === 0 ? y.data[i]! - 0.5 : 0);
  }
  const net = new Network([new FullyConnectedLayer({ nIn: 5, nOut: 8, activation: relu, pDropout: 0.4, seed }), new SoftmaxLayer({ nIn: 8, nOut: 2, seed: seed + 1 })], 10);
  const history = await net.sgd({ x, y }, CRASH_TEST_EPOCHS, 10, 0.2, { x, y }, null, { backend: 'reference', progress: false, checkpoint });
  return { net, history };
}
