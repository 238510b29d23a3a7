// Throughput of the reference backend's matrix product kernel on MNIST-sized layers.
// Run: npx tsx bench/gemm.ts
import { gemm } from '../packages/ops/src/linalg/gemm-kernel.js';

type Arr = Float32Array | Float64Array;
const make = (Ctor: new (n: number) => Arr, n: number): Arr => {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i) * 0.5;
  return a;
};

function bench(label: string, Ctor: new (n: number) => Arr, m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  const a = make(Ctor, m * k), b = make(Ctor, k * n), c = new Ctor(m * n);
  const run = () => gemm({ data: a, offset: 0 }, { data: b, offset: 0 }, { data: c, offset: 0 }, m, n, k, transA, transB);
  for (let i = 0; i < 20; i++) run();
  const flops = 2 * m * n * k;
  const reps = Math.max(5, Math.ceil(2e9 / flops / 4));
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) run();
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(40)} ${((flops * reps) / s / 1e9).toFixed(2)} GFLOP/s`);
}

for (const [name, Ctor] of [['float32', Float32Array], ['float64', Float64Array]] as const) {
  bench(`${name} [10x784]·[784x100]`, Ctor, 10, 100, 784, false, false);
  bench(`${name} [10x784]·[784x100] transB`, Ctor, 10, 100, 784, false, true);
  bench(`${name} Aᵀ·B: [10x784]ᵀ·[10x100]`, Ctor, 784, 100, 10, true, false);
  bench(`${name} [10x100]·[100x784]ᵀ A·Bᵀ`, Ctor, 10, 784, 100, false, true);
  bench(`${name} [100x784]·[784x30]`, Ctor, 100, 30, 784, false, false);
  bench(`${name} [784x100]ᵀ·[100x30] TN`, Ctor, 784, 30, 100, true, false);
  bench(`${name} [256x256]·[256x256]`, Ctor, 256, 256, 256, false, false);
}
