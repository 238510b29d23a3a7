// A fixed number of native training steps and nothing else, so that whole-process timers
// (/usr/bin/time, a benchmark harness pairing two commands) compare thread counts side by side:
//   OMP_NUM_THREADS=1 npx tsx bench/train-steps.ts conv 100 300
//   OMP_NUM_THREADS=2 npx tsx bench/train-steps.ts conv 100 300
// It prints the steps' own wall time per step (the process also loads MNIST and the cached addon).
import '@hypatia/backends';
import { compileTraining } from './lib/hypatia-runner.js';
import { loadBenchData } from './lib/bench-data.js';
import type { NetKind } from './lib/workloads.js';

const [kind, mb, steps] = [process.argv[2] as NetKind, Number(process.argv[3] ?? 100), Number(process.argv[4] ?? 300)];
if (kind !== 'shallow' && kind !== 'conv') throw new Error('usage: train-steps.ts shallow|conv MINI_BATCH STEPS');
const data = loadBenchData(5000, 10);
const step = await compileTraining('native', kind, mb, null, data);
const batches = Math.floor(data.nTrain / mb);
for (let i = 0; i < 20; i++) await step(i % batches);
const t0 = performance.now();
for (let i = 0; i < steps; i++) await step(i % batches);
console.log(`${kind} mb${mb}: ${(((performance.now() - t0) / steps) * 1000).toFixed(1)} us per step`);
