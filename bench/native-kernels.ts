// Time of single native kernels (pooling, elementwise, conv2d) at the sizes network3 trains with,
// on 1 and 2 threads: the best launch time over many calls, read by wrapping the addon's run (the
// executable's private fields, read on purpose). The best, not the mean: on a shared machine the
// mean mostly measures the other processes. A developer's tool (not part of `pnpm bench`):
//   ONLY=pool npx tsx bench/native-kernels.ts       (ONLY filters cases by name)
//   STEP=conv MB=10 npx tsx bench/native-kernels.ts (every kernel of a training step, best and median)
import { NDArray, compile, tensor, type DType, type Variable } from '@hypatia/core';
import {
  add, avgPool2d, avgPool2dGrad, conv2d, conv2dGradFilters, conv2dGradInput, maxPool2d, maxPool2dGrad, mul, sigmoid, sub,
} from '@hypatia/ops';
import { resolveConvOptions, resolvePoolOptions } from '@hypatia/ops/backend';
import '@hypatia/backends';

interface Case { name: string; inputs: { shape: number[]; broadcastable?: boolean[] }[]; build: (xs: Variable[]) => Variable }

const pool = resolvePoolOptions({ window: [2, 2] }, 'max_pool2d');
const conv = resolveConvOptions({}, 'conv2d');
const cases: Case[] = [
  { name: 'max_pool2d 2x2 [10,20,24,24]', inputs: [{ shape: [10, 20, 24, 24] }], build: ([x]) => maxPool2d(x!, { window: [2, 2] }) },
  { name: 'max_pool2d_grad 2x2 [10,20,24,24]', inputs: [{ shape: [10, 20, 24, 24] }, { shape: [10, 20, 12, 12] }], build: ([x, g]) => maxPool2dGrad(x!, g!, pool) },
  { name: 'max_pool2d 2x2 [100,20,24,24]', inputs: [{ shape: [100, 20, 24, 24] }], build: ([x]) => maxPool2d(x!, { window: [2, 2] }) },
  { name: 'max_pool2d 3x3 stride 1 [10,20,24,24]', inputs: [{ shape: [10, 20, 24, 24] }], build: ([x]) => maxPool2d(x!, { window: [3, 3], stride: [1, 1] }) },
  { name: 'avg_pool2d 2x2 [10,20,24,24]', inputs: [{ shape: [10, 20, 24, 24] }], build: ([x]) => avgPool2d(x!, { window: [2, 2] }) },
  { name: 'avg_pool2d_grad 2x2 [10,20,24,24]', inputs: [{ shape: [10, 20, 12, 12] }, { shape: [10, 20, 24, 24] }], build: ([g, x]) => avgPool2dGrad(g!, x!, { ...pool, includePad: false }) },
  { name: 'elemwise add+sigmoid [10,20,12,12] + bias [1,20,1,1]', inputs: [{ shape: [10, 20, 12, 12] }, { shape: [1, 20, 1, 1], broadcastable: [true, false, true, true] }], build: ([x, b]) => sigmoid(add(x!, b!)) },
  { name: 'elemwise add+sigmoid [100,20,12,12] + bias [1,20,1,1]', inputs: [{ shape: [100, 20, 12, 12] }, { shape: [1, 20, 1, 1], broadcastable: [true, false, true, true] }], build: ([x, b]) => sigmoid(add(x!, b!)) },
  { name: 'elemwise x - 0.1 * g [2880,100]', inputs: [{ shape: [2880, 100] }, { shape: [2880, 100] }], build: ([x, g]) => sub(x!, mul(g!, 0.1 as never)) },
  { name: 'elemwise x * y + x [1000,1000]', inputs: [{ shape: [1000, 1000] }, { shape: [1000, 1000] }], build: ([x, y]) => add(mul(x!, y!), x!) },
  { name: 'elemwise x + row [100,2880] + [2880]', inputs: [{ shape: [100, 2880] }, { shape: [2880] }], build: ([x, b]) => add(x!, b!) },
  { name: 'elemwise x - col [100,10] - [100,1]', inputs: [{ shape: [100, 10] }, { shape: [100, 1], broadcastable: [false, true] }], build: ([x, b]) => sub(x!, b!) },
  { name: 'conv2d [10,1,28,28] * [20,1,5,5]', inputs: [{ shape: [10, 1, 28, 28] }, { shape: [20, 1, 5, 5] }], build: ([x, w]) => conv2d(x!, w!) },
  { name: 'conv2d_grad_filters [10,1,28,28], dy [10,20,24,24]', inputs: [{ shape: [10, 1, 28, 28] }, { shape: [10, 20, 24, 24] }, { shape: [20, 1, 5, 5] }], build: ([x, dy, w]) => conv2dGradFilters(x!, dy!, w!, conv) },
  { name: 'conv2d_grad_input dy [10,20,24,24], w [20,1,5,5]', inputs: [{ shape: [10, 20, 24, 24] }, { shape: [20, 1, 5, 5] }, { shape: [10, 1, 28, 28] }], build: ([dy, w, x]) => conv2dGradInput(dy!, w!, x!, conv) },
  { name: 'conv2d [100,1,28,28] * [20,1,5,5]', inputs: [{ shape: [100, 1, 28, 28] }, { shape: [20, 1, 5, 5] }], build: ([x, w]) => conv2d(x!, w!) },
  { name: 'conv2d_grad_filters [100,1,28,28], dy [100,20,24,24]', inputs: [{ shape: [100, 1, 28, 28] }, { shape: [100, 20, 24, 24] }, { shape: [20, 1, 5, 5] }], build: ([x, dy, w]) => conv2dGradFilters(x!, dy!, w!, conv) },
  { name: 'conv2d [10,20,12,12] * [40,20,5,5]', inputs: [{ shape: [10, 20, 12, 12] }, { shape: [40, 20, 5, 5] }], build: ([x, w]) => conv2d(x!, w!) },
  { name: 'conv2d_grad_input dy [10,40,8,8], w [40,20,5,5]', inputs: [{ shape: [10, 40, 8, 8] }, { shape: [40, 20, 5, 5] }, { shape: [10, 20, 12, 12] }], build: ([dy, w, x]) => conv2dGradInput(dy!, w!, x!, conv) },
  { name: 'conv2d_grad_filters [10,20,12,12], dy [10,40,8,8]', inputs: [{ shape: [10, 20, 12, 12] }, { shape: [10, 40, 8, 8] }, { shape: [40, 20, 5, 5] }], build: ([x, dy, w]) => conv2dGradFilters(x!, dy!, w!, conv) },
];

function randomArray(dtype: DType, shape: number[], seed: number): NDArray {
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = Math.sin((i + seed) * 12.9898) * 0.5;
  return a;
}

if (process.env.STEP) {
  const { compileTraining } = await import('./lib/hypatia-runner.js');
  const { loadBenchData } = await import('./lib/bench-data.js');
  const mb = Number(process.env.MB ?? 10);
  const data = loadBenchData(5000, 1000);
  const threads = Number(process.env.THREADS ?? 1);
  const step = await compileTraining('native', process.env.STEP as 'conv' | 'shallow', mb, null, data, { threads, replay: false });
  const ex = step.executable as unknown as { addon: { run: (k: number, b: unknown, p: unknown) => number }; kernels: { name: string }[]; describe(): string };
  const run = ex.addon.run.bind(ex.addon);
  // Launch times by kernel and occurrence in the step (one kernel may serve several steps; the
  // n-th launch of a kernel is matched with the n-th step that names it, for its label).
  const times = new Map<string, number[]>();
  const seen = new Map<number, number>();
  ex.addon.run = (k, b, p) => {
    const t = process.hrtime.bigint();
    const failed = run(k, b, p);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    const key = `${k}:${n}`;
    if (!times.has(key)) times.set(key, []);
    times.get(key)!.push(Number(process.hrtime.bigint() - t) / 1000);
    return failed;
  };
  const batches = Math.floor(5000 / mb);
  const steps = Number(process.env.N ?? 300);
  let best = Infinity;
  for (let i = 0; i < steps; i++) {
    seen.clear();
    const t0 = performance.now();
    await step(i % batches);
    best = Math.min(best, (performance.now() - t0) * 1000);
  }
  const lines = ex.describe().split('\n');
  const rows = [...times.entries()].map(([key, ts]) => {
    const [k, n] = key.split(':').map(Number) as [number, number];
    const named = lines.filter((l) => l.includes(`native ${ex.kernels[k]!.name} `));
    const sorted = ts.slice(Math.min(100, ts.length >> 1)).sort((a, b) => a - b);
    return { min: sorted[0]!, median: sorted[sorted.length >> 1]!, line: (named[n] ?? named[0] ?? '').trim().slice(0, 110) };
  });
  const sumMin = rows.reduce((a, r) => a + r.min, 0);
  console.log(`${process.env.STEP} mb${mb}, ${threads} thread(s): best step ${best.toFixed(0)} us, sum of best launches ${sumMin.toFixed(0)} us`);
  rows.sort((a, b) => b.min - a.min).slice(0, 16).forEach((r) => console.log(`${r.min.toFixed(1).padStart(8)} ${r.median.toFixed(1).padStart(8)} us  ${r.line}`));
  process.exit(0);
}

const only = process.env.ONLY ?? '';
const reps = Number(process.env.REPS ?? 300);
console.log(`${'kernel'.padEnd(58)} ${'1 thread'.padStart(10)} ${'2 threads'.padStart(10)}   (best of ${reps} launches, us)`);
for (const c of cases.filter((c) => c.name.includes(only))) {
  const times: string[] = [];
  for (const threads of [1, 2]) {
    const xs = c.inputs.map((inp, i) => tensor('float32', inp.broadcastable ? inp.shape.map((d, k) => (inp.broadcastable![k] ? 1 : null)) : inp.shape.map(() => null), `x${i}`));
    const f = await compile({ inputs: xs, outputs: [c.build(xs)], backend: 'native', backendOptions: { threads, replay: false } });
    const ex = f.executable as unknown as { addon: { run: (k: number, b: unknown, p: unknown) => number } };
    const run = ex.addon.run.bind(ex.addon);
    let best = Infinity;
    ex.addon.run = (k, b, p) => {
      const t = process.hrtime.bigint();
      const failed = run(k, b, p);
      best = Math.min(best, Number(process.hrtime.bigint() - t) / 1000);
      return failed;
    };
    const args = c.inputs.map((inp, i) => randomArray('float32', inp.shape, i));
    for (let i = 0; i < reps; i++) await f(...args);
    times.push(best.toFixed(1).padStart(10));
  }
  console.log(`${c.name.padEnd(58)} ${times.join(' ')}`);
}
