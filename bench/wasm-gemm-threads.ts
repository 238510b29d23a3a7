// The wasm backend's gemm on two threads against one, side by side in one process (alternated
// rounds, so the machine's load falls on both alike):
//   npx tsx bench/wasm-gemm-threads.ts products     products of growing size, forked at any size vs one thread
//   npx tsx bench/wasm-gemm-threads.ts steps [ROUNDS]   network3 training steps: shallow at mini-batch 10, conv at 10 and 100
//     (one thread, two threads, and two threads with every threshold out of reach)
// Prints microseconds per call (best and median of the rounds) and one thread's time over two's.
import '@hypatia/backends';
import { NDArray, compile, matrix, type CompiledFunction } from '@hypatia/core';
import { dot } from '@hypatia/ops';
import { compileTraining } from './lib/hypatia-runner.js';
import { loadBenchData } from './lib/bench-data.js';

const what = process.argv[2] ?? 'products';
const ROUNDS = Number(process.argv[3] ?? 15);

/** Per-call microseconds of each variant over alternated rounds of `calls` calls: best and median. */
async function sideBySide(variants: Record<string, () => Promise<unknown>>, calls: number, rounds = ROUNDS): Promise<Record<string, { best: number; median: number }>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const f of Object.values(variants)) for (let i = 0; i < 3; i++) await f();
  for (let r = 0; r < rounds; r++) {
    // Every other round in reverse order, so no variant always follows the same one.
    const order = Object.entries(variants);
    if (r % 2) order.reverse();
    for (const [k, f] of order) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await f();
      times[k]!.push(((performance.now() - t0) / calls) * 1000);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, t]) => {
    t.sort((a, b) => a - b);
    return [k, { best: t[0]!, median: t[t.length >> 1]! }];
  }));
}

const fmt = (r: { best: number; median: number }) => `${r.best.toFixed(1)}/${r.median.toFixed(1)}`;

if (what === 'products') {
  const product = async (threads: number, forced: boolean) => {
    if (forced) process.env.HYPATIA_WASM_PAR_MIN = '1';
    const [a, b] = [matrix('a', 'float32'), matrix('b', 'float32')];
    const g = await compile({ inputs: [a, b], outputs: dot(a, b), backend: 'wasm', backendOptions: { threads } });
    delete process.env.HYPATIA_WASM_PAR_MIN;
    return g;
  };
  const [one, two] = [await product(1, false), await product(2, true)];
  console.log('m x n x k (MACs): one thread / two threads, us per call best/median, ratio of bests');
  for (const [m, n, k] of [[20, 576, 25], [20, 25, 576], [40, 64, 500], [10, 100, 784], [16, 64, 64], [32, 64, 64], [32, 64, 128], [64, 64, 128], [64, 128, 128], [128, 128, 128], [128, 256, 256], [256, 256, 256]] as const) {
    const a = NDArray.from(Array.from({ length: m * k }, (_, i) => Math.sin(i)), 'float32').reshape([m, k]);
    const b = NDArray.from(Array.from({ length: k * n }, (_, i) => Math.cos(i)), 'float32').reshape([k, n]);
    const calls = Math.max(5, Math.round(2e7 / (m * n * k + 2e4)));
    const r = await sideBySide({ one: () => one(a, b), two: () => two(a, b) } as Record<string, () => Promise<unknown>>, calls);
    console.log(`${m}x${n}x${k} (${m * n * k}): ${fmt(r.one!)} / ${fmt(r.two!)}  ${(r.one!.best / r.two!.best).toFixed(2)}x`);
  }
} else {
  const data = loadBenchData(2000, 10);
  for (const [kind, mb] of [['shallow', 10], ['conv', 10], ['conv', 100]] as const) {
    const steps: Record<string, CompiledFunction<NDArray>> = {};
    for (const threads of [1, 2]) steps[`t${threads}`] = await compileTraining('wasm', kind, mb, null, data, { threads });
    // Two threads with nothing shared (every threshold out of reach): the pool's presence alone.
    process.env.HYPATIA_WASM_PAR_MIN = String(2 ** 52);
    steps.t2none = await compileTraining('wasm', kind, mb, null, data, { threads: 2 });
    delete process.env.HYPATIA_WASM_PAR_MIN;
    const batches = Math.floor(data.nTrain / mb);
    const costs: Record<string, number[]> = { t1: [], t2: [], t2none: [] };
    const at: Record<string, number> = { t1: 0, t2: 0, t2none: 0 };
    const r = await sideBySide(Object.fromEntries(Object.entries(steps).map(([k, f]) => [k, async () => costs[k]!.push((await f(at[k]!++ % batches)).data[0]!)])), kind === 'shallow' ? 200 : mb === 10 ? 20 : 4);
    const n = Math.min(costs.t1!.length, costs.t2!.length);
    const same = costs.t1!.slice(0, n).every((c, i) => Object.is(c, costs.t2![i]));
    console.log(`${kind} mb${mb}: one thread ${fmt(r.t1!)} us, two threads ${fmt(r.t2!)} us, two threads sharing nothing ${fmt(r.t2none!)} us per step (best/median); one/two ${(r.t1!.best / r.t2!.best).toFixed(2)}x best, ${(r.t1!.median / r.t2!.median).toFixed(2)}x median; costs bit-identical over ${n} steps: ${same}`);
  }
}
process.exit(0);
