// Where a native training step spends its time: per-step wall time as users get it (the recorded
// plan replayed in one native call), then, on the JS executor (replay off, so every launch goes
// through addon.run and can be timed), the kernels that take longest. A developer's tool:
//   KIND=shallow|conv MB=10 N=3000 OMP_NUM_THREADS=1 npx tsx bench/profile-step.ts
import '@hypatia/backends';
import { compileTraining } from './lib/hypatia-runner.js';
import { loadBenchData } from './lib/bench-data.js';
import type { NetKind } from './lib/workloads.js';
import { launchTimer } from './lib/launch-timer.js';

const kind = (process.env.KIND ?? 'shallow') as NetKind;
const mb = Number(process.env.MB ?? 10);
const N = Number(process.env.N ?? 3000);
const data = loadBenchData(5000, 1000);
const batches = Math.floor(5000 / mb);

async function perStep(step: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await step(i % batches);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await step(i % batches);
  return ((performance.now() - t0) / N) * 1000;
}

const replayed = await perStep(await compileTraining('native', kind, mb, null, data));
console.log(`${kind} mb${mb}: ${replayed.toFixed(1)} us per step (${((mb / replayed) * 1e6).toFixed(0)} ex/s) with the plan replayed`);
const step = await compileTraining('native', kind, mb, null, data, { replay: false });

const timer = launchTimer(step.executable);
for (let i = 0; i < 200; i++) await step(i % batches);
timer.start();
const us = await perStep(step);
const inKernels = timer.totalNs() / (N + 200) / 1000;
console.log(`JS executor: ${us.toFixed(1)} us per step, ${inKernels.toFixed(1)} us of it in kernel launches`);
for (const { ns, line } of timer.slowest(15, 140)) console.log(`${(ns / (N + 200) / 1000).toFixed(1).padStart(8)} us  ${line}`);
