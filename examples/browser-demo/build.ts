// Builds the page into a folder: the bundle (esbuild, from node_modules), index.html and the
// MNIST subset file. `npx tsx examples/webgpu-browser/build.ts [outDir]`, then serve the folder.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@hypatia/nn/node';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

export interface BuildOptions {
  /** Training and test images in the subset (the first ones of each split). */
  nTrain?: number;
  nTest?: number;
}

/** The subset as page.ts reads it: u32 nTrain, u32 nTest, then per split 784-byte images and 1-byte labels. */
export function subsetFile(nTrain: number, nTest: number): Uint8Array {
  const data = loadMnist({ limit: Math.max(nTrain, nTest) });
  const parts = [data.training, data.test].map((d, k) => {
    const n = Math.min(k === 0 ? nTrain : nTest, d.y.size);
    return { n, px: Uint8Array.from(d.x.data.subarray(0, n * 784), (v) => Math.round(v * 255)), labels: Uint8Array.from(d.y.data.subarray(0, n)) };
  });
  const out = new Uint8Array(8 + parts.reduce((s, p) => s + p.px.length + p.labels.length, 0));
  new Uint32Array(out.buffer, 0, 2).set([parts[0]!.n, parts[1]!.n]);
  let at = 8;
  for (const p of parts) { out.set(p.px, at); at += p.px.length; out.set(p.labels, at); at += p.labels.length; }
  return out;
}

export function buildPage(outDir: string, options: BuildOptions = {}): void {
  mkdirSync(outDir, { recursive: true });
  // esbuild reads the workspace's tsconfig paths, so @hypatia/* bundle from their sources.
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [
    join(here, 'page.ts'), '--bundle', '--format=esm', '--platform=browser', '--target=es2022',
    `--tsconfig=${join(root, 'tsconfig.json')}`, `--outfile=${join(outDir, 'page.js')}`, '--log-level=warning',
  ], { stdio: 'inherit' });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
  writeFileSync(join(outDir, 'mnist-subset.bin'), subsetFile(options.nTrain ?? 1000, options.nTest ?? 500));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? join(here, 'dist');
  buildPage(outDir);
  console.log(`built ${outDir}; serve it over http (e.g. npx tsx examples/webgpu-browser/serve.ts) and open it in a browser with WebGPU`);
}
