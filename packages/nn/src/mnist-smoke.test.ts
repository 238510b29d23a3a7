import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { FullyConnectedLayer, Network, SoftmaxLayer } from '@hypatia/nn';
import { loadMnist } from '@hypatia/nn/node';

// CI smoke test: the book's shallow network, one epoch on the first 10,000 training images.
describe('MNIST smoke test (reference backend)', () => {
  it('reaches 85% validation accuracy after one epoch on 10,000 images', async () => {
    const { training, validation } = loadMnist({ limit: 10_000 });
    const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 100, seed: 1 }), new SoftmaxLayer({ nIn: 100, nOut: 10 })], 10);
    const t0 = performance.now();
    const h = await net.sgd(training, 1, 10, 0.1, validation, null, { backend: 'reference', progress: false });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`shallow, 1 epoch on 10,000 images: validation ${(h.bestValidationAccuracy! * 100).toFixed(2)}% in ${seconds.toFixed(1)} s (${Math.round(h.trainExamplesPerSec)} examples/s)`);
    expect(h.bestValidationAccuracy!).toBeGreaterThanOrEqual(0.85);
  });
});
