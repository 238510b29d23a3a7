// network3's native training step compiled twice in one process, with and without the gemm rewrite
// (each SGD weight update one accumulating product written into W, or the product then an
// elementwise update), timed in alternating blocks so that both see the same machine:
//   OMP_NUM_THREADS=1 npx tsx bench/gemm-update-steps.ts conv 10 [STEPS] [ROUNDS]
// It prints each side's best and median block (us per step) and their ratio.
import '@hypatia/backends';
import { NDArray, compile, grad, iscalar, shared, type CompiledFunction, type Op } from '@hypatia/core';
import { Gemm, add, mul, sliceAxis } from '@hypatia/ops';
import { sgdRule } from '@hypatia/nn';
import { loadBenchData } from './lib/bench-data.js';
import { ETA, buildNetwork, type BenchData, type NetKind } from './lib/workloads.js';

const [kind, mb, steps, rounds] = [process.argv[2] as NetKind, Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 300), Number(process.argv[5] ?? 7)];
if (kind !== 'shallow' && kind !== 'conv') throw new Error('usage: gemm-update-steps.ts shallow|conv MINI_BATCH [STEPS] [ROUNDS]');

async function compileStep(data: BenchData, fused: boolean): Promise<CompiledFunction<NDArray>> {
  const net = buildNetwork(kind, mb);
  const c = (net.layers[net.layers.length - 1] as unknown as { cost: (y: unknown) => never }).cost(net.y);
  const trainX = shared(new NDArray('float32', [data.nTrain, 784], data.trainX), { name: 'trainingX' });
  const trainY = shared(new NDArray('int32', [data.nTrain], data.trainY), { name: 'trainingY' });
  const i = iscalar('i');
  return compile({
    name: `train_${kind}_mb${mb}_${fused ? 'gemm' : 'plain'}`, inputs: [i], outputs: c, backend: 'native',
    updates: sgdRule(ETA).updates(net.params, grad(c, net.params)),
    givens: [[net.x, sliceAxis(trainX, 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(trainY, 0, mul(i, mb), mul(add(i, 1), mb))]],
    ...(fused ? {} : { rewrites: { exclude: ['gemm'] } }),
  });
}

const data = loadBenchData(5000, 10);
const batches = Math.floor(data.nTrain / mb);
const sides = { plain: await compileStep(data, false), gemm: await compileStep(data, true) };
const gemms = (f: CompiledFunction<NDArray>) => f.graph.nodes.filter((n: { op: Op }) => n.op instanceof Gemm).length;
if (gemms(sides.plain) !== 0 || gemms(sides.gemm) === 0) throw new Error('the gemm rewrite did not fire as asked');
const times: Record<keyof typeof sides, number[]> = { plain: [], gemm: [] };
for (const f of Object.values(sides)) for (let s = 0; s < 20; s++) await f(s % batches);
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of Object.entries(sides) as [keyof typeof sides, CompiledFunction<NDArray>][]) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) await f(s % batches);
    times[name].push(((performance.now() - t0) / steps) * 1000);
  }
}
const best = (a: number[]) => Math.min(...a);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const show = (a: number[]) => `best ${best(a).toFixed(1)} median ${median(a).toFixed(1)} us/step`;
console.log(`${kind} mb${mb} threads ${process.env.OMP_NUM_THREADS ?? 'default'}: plain ${show(times.plain)}; gemm ${show(times.gemm)}; ` +
  `plain/gemm ${(best(times.plain) / best(times.gemm)).toFixed(3)}x best, ${(median(times.plain) / median(times.gemm)).toFixed(3)}x median`);
