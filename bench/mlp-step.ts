// CPU time of one SGD step of a 784-100-10 sigmoid network on the reference backend (Dot forward and backward).
// Run: npx tsx bench/mlp-step.ts
import { compile, grad, matrix, shared, NDArray, mulberry32 } from '../packages/core/src/index.js';
import { dot, mean, sigmoid, sub, mul } from '../packages/ops/src/index.js';
import '../packages/backends/src/index.js';

const r = mulberry32(1);
const randn = (shape: number[]) => { const a = NDArray.zeros('float32', shape); for (let i = 0; i < a.size; i++) a.data[i] = (r() - 0.5) * 0.1; return a; };
const x = matrix('x'), y = matrix('y');
const w1 = shared(randn([784, 100]), 'w1'), w2 = shared(randn([100, 10]), 'w2');
const h = sigmoid(dot(x, w1));
const out = sigmoid(dot(h, w2));
const d = sub(out, y);
const cost = mean(mul(d, d));
const [g1, g2] = grad(cost, [w1, w2]);
const step = await compile({ inputs: [x, y], outputs: [cost], updates: [[w1, sub(w1, mul(g1!, 0.5))], [w2, sub(w2, mul(g2!, 0.5))]], backend: 'reference' });
for (const batch of [10, 100]) {
  const X = randn([batch, 784]), Y = randn([batch, 10]);
  for (let i = 0; i < 5; i++) await step(X, Y);
  const reps = batch === 10 ? 300 : 50;
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) await step(X, Y);
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000 / reps;
  // forward and weight gradient for both layers, plus the hidden gradient through w2 (none flows to x)
  const flops = 2 * batch * (2 * 784 * 100 + 3 * 100 * 10);
  console.log(`batch ${batch}: ${ms.toFixed(3)} ms/step, ${(flops / ms / 1e6).toFixed(2)} GFLOP/s counting only the products`);
}

