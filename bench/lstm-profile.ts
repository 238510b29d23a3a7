// Where the native LSTM training step (bench/lstm.ts's shape) spends its time: the step as users get
// it (plan replayed: one native call), then on the JS executor (replay off, every kernel launch
// through addon.run, the loop's steps included) the kernels that take longest per training step.
// A developer's tool: `N=5 THREADS=1 npx tsx bench/lstm-profile.ts`
import '@hypatia/backends';
import type { CompiledFunction, NDArray } from '@hypatia/core';
import { compileLstmStep, LSTM_SHAPE, lstmProblem } from './lib/lstm-step.js';

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
const ex = step.executable as unknown as { addon?: { run: (k: number, b: unknown, p: unknown) => number }; kernels: { name: string }[]; describe(): string };
const acc = new Map<number, { ns: number; calls: number }>();
let timing = false;
if (ex.addon) {
  const run = ex.addon.run.bind(ex.addon);
  ex.addon.run = (k, b, p) => {
    if (!timing) return run(k, b, p);
    const t = process.hrtime.bigint();
    const failed = run(k, b, p);
    const a = acc.get(k) ?? { ns: 0, calls: 0 };
    a.ns += Number(process.hrtime.bigint() - t); a.calls++;
    acc.set(k, a);
    return failed;
  };
}
await step(problem.x, problem.y);
timing = true;
const ms = await msPerStep(step);
const total = [...acc.values()].reduce((a, b) => a + b.ns, 0) / (N + 1) / 1e6;
console.log(`JS executor: ${ms.toFixed(1)} ms per step, ${total.toFixed(1)} ms of it in kernel launches`);
const lines = ex.describe().split('\n');
[...acc.entries()].sort((a, b) => b[1].ns - a[1].ns).slice(0, 20).forEach(([k, v]) => {
  const name = ex.kernels[k]!.name;
  const line = lines.find((l) => l.includes(`${name} `))?.trim().slice(0, 150) ?? name;
  console.log(`${(v.ns / (N + 1) / 1e6).toFixed(2).padStart(8)} ms ${String(Math.round(v.calls / (N + 1))).padStart(5)} launches  ${line}`);
});
