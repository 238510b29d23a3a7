// Throughput of the matrix product kernels on network3's shapes (the shallow net at mini-batch 10
// and the conv net's fully connected layer) and a square product:
//   - the native gemm kernel (packages/backends/src/native/kernels/gemm-c.ts), called straight
//     through its addon (no graph, no JS between calls), on 1 and on 2 threads, in wall time;
//   - with --reference, the reference backend's JS kernel against a textbook i-j-k loop, in CPU time.
// Run: npx tsx bench/gemm.ts [--reference] [--par-min=FLOPS] (the second builds the kernel with
// HYP_GEMM_PAR_MIN=FLOPS, the least work per thread before a product uses threads).
import { addonSource, type AddonExports } from '../packages/backends/src/native/addon-source.js';
import { DEFAULT_FLAGS, buildAddon, resolveBuildOptions } from '../packages/backends/src/native/build-addon.js';
import { epiloguePassKernelC, gemmKernelC } from '../packages/backends/src/native/kernels/gemm-c.js';
import { S, input, sconst } from '../packages/core/src/index.js';
import { gemm } from '../packages/ops/src/linalg/gemm-kernel.js';

type Arr = Float32Array | Float64Array;
type Ctor = new (n: number) => Arr;

/** m, n, k, transA, transB, what it is. */
const SHAPES: [number, number, number, boolean, boolean, string][] = [
  [10, 100, 784, false, false, 'shallow x·W1'],
  [784, 100, 10, true, false, 'shallow xᵀ·dh'],
  [10, 100, 10, false, true, 'shallow dz·W2ᵀ'],
  [100, 10, 10, true, false, 'shallow hᵀ·dz'],
  [10, 10, 100, false, false, 'shallow h·W2'],
  [10, 100, 2880, false, false, 'conv fc x·W'],
  [2880, 100, 10, true, false, 'conv fc xᵀ·dh'],
  [10, 2880, 100, false, true, 'conv fc dh·Wᵀ'],
  [100, 100, 784, false, false, 'shallow mb100 x·W1'],
  [784, 100, 100, true, false, 'shallow mb100 xᵀ·dh'],
  [100, 100, 2880, false, false, 'conv mb100 fc x·W'],
  [2880, 100, 100, true, false, 'conv mb100 fc xᵀ·dh'],
  [100, 2880, 100, false, true, 'conv mb100 fc dh·Wᵀ'],
  [20, 10368, 25, false, false, 'conv w·cols (18 images)'],
  [20, 25, 10368, false, true, 'conv dy·colsᵀ (18 images)'],
  [1024, 1024, 1024, false, false, 'sgemm-1024'],
];

const make = (C: Ctor, n: number): Arr => {
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i) * 0.5;
  return a;
};

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}`))?.split('=')[1] ?? (process.argv.includes(`--${name}`) ? '' : undefined);

/** Best of seven rounds of GFLOP/s in wall time, each round about 20 ms (the best round is the least disturbed on a shared machine). */
function wallGflops(flops: number, run: () => void): number {
  for (let i = 0; i < 20; i++) run();
  let reps = 1;
  for (let t = 0; t < 0.02; reps *= 2) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    t = (performance.now() - t0) / 1000;
  }
  let best = 0;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    best = Math.max(best, (flops * reps) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return best;
}

async function native(): Promise<void> {
  const parMin = arg('par-min');
  const flags = [...DEFAULT_FLAGS, ...(parMin ? [`-DHYP_GEMM_PAR_MIN=${parMin}`] : [])];
  const dtypes = ['float32', 'float64'] as const;
  // network3's hidden layer, sigmoid($0 + $1) on (product, bias), fused into the gemm and as a pass after it.
  const x = (i: number) => input(i, 'float32');
  const hidden = { formula: S.div(sconst(1, 'float32'), S.add(sconst(1, 'float32'), S.exp(S.neg(S.add(x(0), x(1)))))), product: 0, inDtypes: ['float32', 'float32'] } as const;
  const src = addonSource([
    ...dtypes.map((d) => ({ name: `gemm_${d}`, code: gemmKernelC(`gemm_${d}`, d) })),
    { name: 'gemm_sigmoid', code: gemmKernelC('gemm_sigmoid', 'float32', hidden) },
    { name: 'sigmoid_pass', code: epiloguePassKernelC('sigmoid_pass', 'float32', hidden) },
  ]);
  const { exports: addon } = await buildAddon<AddonExports>(src, resolveBuildOptions({ flags }));
  console.log(`native gemm kernel, wall time, best of 7 rounds${parMin ? `, HYP_GEMM_PAR_MIN=${parMin}` : ''} (GFLOP/s, us per call)`);
  for (const [di, dtype] of dtypes.entries()) {
    const C = dtype === 'float32' ? Float32Array : Float64Array;
    const total = [0, 0];
    for (const [m, n, k, tA, tB, what] of SHAPES) {
      if (dtype === 'float64' && m * n * k > 1e8) continue;
      const a = make(C, m * k), b = make(C, k * n), c = new C(m * n);
      const params = Float64Array.from([m, n, k, tA ? 1 : k, tA ? m : 1, tB ? 1 : n, tB ? k : 1, 0, 0, 0]);
      const flops = 2 * m * n * k;
      const cells = [1, 2].map((threads) => {
        addon.setThreads(threads);
        const g = wallGflops(flops, () => addon.run(di, [a, b, c], params));
        if (what.startsWith('shallow')) total[threads - 1]! += flops / g / 1e3;
        return `${threads}T ${g.toFixed(1).padStart(6)} GFLOP/s ${(flops / g / 1e3).toFixed(1).padStart(7)} us`;
      });
      console.log(`${dtype} ${`${what} [${m}x${k}]${tA ? 'ᵀ' : ''}·[${k}x${n}]${tB ? 'ᵀ' : ''}`.padEnd(38)} ${cells.join('   ')}`);
    }
    console.log(`${dtype} the shallow step's five products: 1T ${total[0]!.toFixed(1)} us, 2T ${total[1]!.toFixed(1)} us`);
  }
  // The hidden layer: bias-add and sigmoid inside the gemm, against the gemm then an elementwise pass.
  const [m, n, k] = [10, 100, 784];
  const a = make(Float32Array, m * k), w = make(Float32Array, k * n), bias = make(Float32Array, n), c = new Float32Array(m * n);
  const gemm = Float64Array.from([m, n, k, k, 1, n, 1, 0, 0, 0]);
  const pass = Float64Array.from([m * n, 2, m, n, 0, 1]);
  for (const threads of [1, 2]) {
    addon.setThreads(threads);
    const fused = 2 * m * n * k / wallGflops(2 * m * n * k, () => addon.run(2, [a, w, c, bias], Float64Array.from([...gemm, 0, 0, 1]))) / 1e3;
    const apart = 2 * m * n * k / wallGflops(2 * m * n * k, () => {
      addon.run(0, [a, w, c], gemm);
      addon.run(3, [c, bias], pass);
    }) / 1e3;
    console.log(`float32 sigmoid(x·W1 + b) [10x784]·[784x100], ${threads}T: epilogue in the gemm ${fused.toFixed(1)} us, gemm then a pass ${apart.toFixed(1)} us`);
  }
}

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
function cpuGflops(flops: number, run: () => void): number {
  for (let i = 0; i < 10; i++) run();
  const reps = Math.max(5, Math.ceil(1e9 / flops / 4));
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) run();
  const d = process.cpuUsage(t0);
  return (flops * reps) / ((d.user + d.system) / 1e6) / 1e9;
}

function reference(): void {
  console.log('reference backend JS gemm, CPU time');
  for (const [name, C] of [['float32', Float32Array], ['float64', Float64Array]] as const) {
    for (const [m, n, k, transA, transB, what] of SHAPES.filter((s) => s[0] * s[1] * s[2] < 1e7)) {
      const a = make(C, m * k), b = make(C, k * n), c = new C(m * n);
      const fast = cpuGflops(2 * m * n * k, () => gemm({ data: a, offset: 0 }, { data: b, offset: 0 }, { data: c, offset: 0 }, m, n, k, transA, transB));
      const slow = cpuGflops(2 * m * n * k, () => naive(a, b, c, m, n, k));
      console.log(`${name} ${what.padEnd(20)} ${fast.toFixed(2)} GFLOP/s  (${(fast / slow).toFixed(1)}x the naive loop)`);
    }
  }
}

if (arg('reference') !== undefined) reference();
else await native();
