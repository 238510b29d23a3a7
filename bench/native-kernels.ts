// Time of single native kernels (pooling, elementwise, conv2d) at the sizes network3 trains with,
// on 1 and 2 threads: the best launch time over many calls, read by wrapping the addon's run (the
// executable's private fields, read on purpose). A developer's tool (not part of `pnpm bench`):
//   ONLY=pool npx tsx bench/native-kernels.ts       (ONLY filters cases by name)
import { NDArray, compile, tensor, type DType, type Variable } from '@hypatia/core';
import {
  add, avgPool2d, avgPool2dGrad, conv2d, conv2dGradFilters, conv2dGradInput, maxPool2d, maxPool2dGrad, mul, resolveConvOptions,
  resolvePoolOptions, sigmoid, sub,
} from '@hypatia/ops';
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

const only = process.env.ONLY ?? '';
const reps = Number(process.env.REPS ?? 300);
console.log(`${'kernel'.padEnd(58)} ${'1 thread'.padStart(10)} ${'2 threads'.padStart(10)}   (best of ${reps} launches, us)`);
for (const c of cases.filter((c) => c.name.includes(only))) {
  const times: string[] = [];
  for (const threads of [1, 2]) {
    const xs = c.inputs.map((inp, i) => tensor('float32', inp.broadcastable ? inp.shape.map((d, k) => (inp.broadcastable![k] ? 1 : null)) : inp.shape.map(() => null), `x${i}`));
    const f = await compile({ inputs: xs, outputs: [c.build(xs)], backend: 'native', backendOptions: { threads, replay: false } });
    const ex = f.executable as unknown as { addon: { run: (k: number, b: unknown, p: unknown) => void } };
    const run = ex.addon.run.bind(ex.addon);
    let best = Infinity;
    ex.addon.run = (k, b, p) => {
      const t = process.hrtime.bigint();
      run(k, b, p);
      best = Math.min(best, Number(process.hrtime.bigint() - t) / 1000);
    };
    const args = c.inputs.map((inp, i) => randomArray('float32', inp.shape, i));
    for (let i = 0; i < reps; i++) await f(...args);
    times.push(best.toFixed(1).padStart(10));
  }
  console.log(`${c.name.padEnd(58)} ${times.join(' ')}`);
}
