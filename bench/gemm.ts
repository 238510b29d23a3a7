// Throughput of the reference backend's matrix product kernel on MNIST-sized layers, against a
// textbook i-j-k loop. Timed in process CPU time, so a busy shared machine skews it less.
// Run: npx tsx bench/gemm.ts
import { gemm } from '../packages/ops/src/linalg/gemm-kernel.js';

type Arr = Float32Array | Float64Array;
type Ctor = new (n: number) => Arr;

const make = (C: Ctor, n: number): Arr => {
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i) * 0.5;
  return a;
};

function naive(a: Arr, b: Arr, c: Arr, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  }
}

/** GFLOP/s of `run`, measured in CPU seconds. */
function gflops(flops: number, run: () => void): number {
  for (let i = 0; i < 10; i++) run();
  const reps = Math.max(5, Math.ceil(1e9 / flops / 4));
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) run();
  const d = process.cpuUsage(t0);
  return (flops * reps) / ((d.user + d.system) / 1e6) / 1e9;
}

function bench(label: string, C: Ctor, m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  const a = make(C, m * k), b = make(C, k * n), c = new C(m * n);
  const fast = gflops(2 * m * n * k, () => gemm({ data: a, offset: 0 }, { data: b, offset: 0 }, { data: c, offset: 0 }, m, n, k, transA, transB));
  const slow = gflops(2 * m * n * k, () => naive(a, b, c, m, n, k));
  console.log(`${label.padEnd(40)} ${fast.toFixed(2)} GFLOP/s  (${(fast / slow).toFixed(1)}x the naive loop)`);
}

for (const [name, C] of [['float32', Float32Array], ['float64', Float64Array]] as const) {
  bench(`${name} [10x784]·[784x100]`, C, 10, 100, 784, false, false);
  bench(`${name} [10x784]·[100x784]ᵀ`, C, 10, 100, 784, false, true);
  bench(`${name} [10x784]ᵀ·[10x100]`, C, 784, 100, 10, true, false);
  bench(`${name} [10x100]·[784x100]ᵀ`, C, 10, 784, 100, false, true);
  bench(`${name} [100x784]·[784x30]`, C, 100, 30, 784, false, false);
  bench(`${name} [100x784]ᵀ·[100x30]`, C, 784, 30, 100, true, false);
  bench(`${name} [256x256]·[256x256]`, C, 256, 256, 256, false, false);
}
