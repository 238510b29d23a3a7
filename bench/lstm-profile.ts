// Where the native LSTM training step (bench/lstm.ts's shape) spends its time: the step as users get
// it (plan replayed: one native call), then on the JS executor (replay off, every kernel launch
// through addon.run, the loop's steps included) the kernels that take longest per training step.
// A developer's tool: `N=5 THREADS=1 npx tsx bench/lstm-profile.ts`
import '@hypatia/backends';
import type { CompiledFunction, NDArray } from '@hypatia/core';
import { compileLstmStep, LSTM_SHAPE, lstmProblem } from './lib/lstm-step.js';
import { launchTimer } from './lib/launch-timer.js';

const N = Number(process.env.N ?? 5);
const threads = Number(process.env.THREADS ?? 1);
const problem = lstmProblem(LSTM_SHAPE);

async function msPerStep(step: CompiledFunction<NDArray>): Promise<number> {
  await step(problem.x, problem.y);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await step(problem.x, problem.y);
  return (performance.now() - t0) / N;
}

const replayed = await msPerStep(await compileLstmStep(problem, 'native', { threads }));
console.log(`replayed plan: ${replayed.toFixed(1)} ms per step (${threads} thread(s))`);
const step = await compileLstmStep(problem, 'native', { threads, replay: false });
const timer = launchTimer(step.executable);
await step(problem.x, problem.y);
timer.start();
const ms = await msPerStep(step);
const total = timer.totalNs() / (N + 1) / 1e6;
console.log(`JS executor: ${ms.toFixed(1)} ms per step, ${total.toFixed(1)} ms of it in kernel launches`);
for (const { ns, calls, line } of timer.slowest(20, 150)) {
  console.log(`${(ns / (N + 1) / 1e6).toFixed(2).padStart(8)} ms ${String(Math.round(calls / (N + 1))).padStart(5)} launches  ${line}`);
}
