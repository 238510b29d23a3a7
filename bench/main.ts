// `pnpm bench`: Hypatia against TensorFlow.js (cpu, wasm), jax-js (wasm, jit), PyTorch (CPU, through
// python3) and OpenBLAS on the network3 workloads, side by side, same data and same initial weights.
// The -t1 rows are the training rows with one thread (native and PyTorch), each timed just before its
// row; flop-ceiling is OpenBLAS's best sgemm rate, and each training row's `ceiling` the fraction of
// it its products reach (bench/lib/flop-ceiling.ts).
//   --quick   a smoke run of a few seconds (tiny data and time boxes)
//   --json    print one JSON object {"rows": [...]} as the last line
//   --runners=a,b   only these columns (the others are null, with a note saying so)
// Numbers are wall-clock rates; the table's "vs" columns are Hypatia (native) over each peer, so > 1
// means Hypatia is ahead (for compile times, the peer's time over ours).
import '@hypatia/backends';
import { existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { initialParams, type NetKind } from './lib/workloads.js';
import { loadBenchData } from './lib/bench-data.js';
import { FULL_BUDGET, QUICK_BUDGET, slowMeasurements } from './lib/timing.js';
import type { Runner } from './lib/runner.js';
import { HypatiaRunner } from './lib/hypatia-runner.js';
import { TfjsRunner } from './lib/tfjs-runner.js';
import { JaxRunner } from './lib/jax-runner.js';
import { openblasSgemm } from './lib/openblas.js';
import { PytorchRunner } from './lib/pytorch-runner.js';
import { PEAK_SIZES, ceilingFraction } from './lib/flop-ceiling.js';
import { hypatiaCompileTimes, runChild } from './lib/compile-time.js';
import { renderTable, type Row, type Unit } from './lib/table.js';
import { lstmRow } from './lib/lstm-row.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const asJson = args.includes('--json');
const only = args.find((a) => a.startsWith('--runners='))?.slice('--runners='.length).split(',');
const unknown = args.filter((a) => !['--quick', '--json'].includes(a) && !a.startsWith('--runners='));
if (unknown.length) {
  console.error(`bench: unknown argument ${unknown.join(' ')} (expected --quick, --json, --runners=a,b)`);
  process.exit(2);
}

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;

const budget = quick ? QUICK_BUDGET : FULL_BUDGET;
const notes: string[] = [];
const log = (s: string) => process.stderr.write(`${s}\n`);

const hypatiaBackends: [string, string][] = [['hypatia', 'native'], ['hypatia-wasm', 'wasm'], ['hypatia-reference', 'reference'], ['hypatia-webgpu-swiftshader', 'webgpu']];
// Native's thread count is process-wide and set by each compile: every native compile names its own.
const THREADS = Number(process.env.OMP_NUM_THREADS) || cpus().length;
const oneThread = new HypatiaRunner('hypatia', 'native', { threads: 1 });
const pytorch = new PytorchRunner([1, 2]);
const allRunners: Runner[] = [
  ...hypatiaBackends.map(([key, backend]) => new HypatiaRunner(key, backend, backend === 'native' ? { threads: THREADS } : undefined)),
  new TfjsRunner('wasm'), new TfjsRunner('cpu'), new JaxRunner(), pytorch,
];
const COLUMNS = [...allRunners.map((r) => r.key), 'openblas'];
const PEERS = ['tfjs-wasm', 'tfjs-cpu', 'jax-js', 'pytorch', 'openblas'];
if (only) {
  const bad = only.filter((k) => !COLUMNS.includes(k));
  if (bad.length) {
    console.error(`bench: no runner named ${bad.join(', ')} (runners: ${COLUMNS.join(', ')})`);
    process.exit(2);
  }
  notes.push(`only these columns were run (--runners): ${only.join(', ')}; the others are null`);
}
const selected = (key: string) => !only || only.includes(key);
const runners = allRunners.filter((r) => selected(r.key));

// Plain-JS products of 512 and 1024 take seconds a call; a smoke run leaves them out, and says so.
const SLOW_JS = new Set(['hypatia-reference', 'tfjs-cpu']);
const SWIFTSHADER_KEY = 'hypatia-webgpu-swiftshader';

/** Why `key` does not run `workload` here, or null. Every skip becomes a note. */
function skipReason(key: string, workload: string): string | null {
  const bigProduct = workload === 'sgemm-512' || workload === 'sgemm-1024';
  if (quick && SLOW_JS.has(key) && bigProduct) return 'not run in --quick (plain JS takes seconds per call)';
  if (key === SWIFTSHADER_KEY && (bigProduct || workload === 'conv-mb100' || workload === 'infer-conv')) {
    return 'not run: SwiftShader emulates the GPU on the CPU (a 256 product runs at ~0.016 GFLOP/s, a conv mb10 step takes ~20 s), so this would take many minutes';
  }
  return null;
}
/** SwiftShader classifies 1000 validation rows, not 10k: the rate is per example either way. */
const inferenceRows = (key: string) => (key === SWIFTSHADER_KEY ? Math.min(1000, data.nValid) : data.nValid);

const data = loadBenchData(quick ? 200 : 5000, quick ? 200 : 10000);
const params = { shallow: initialParams('shallow'), conv: initialParams('conv') };
log(`bench: ${data.nTrain} training rows, ${data.nValid} validation rows, ${quick ? 'quick' : 'full'} time boxes, load average ${loadavg()[0]!.toFixed(2)}`);

async function attempt(key: string, workload: string, f: () => Promise<number | null>): Promise<number | null> {
  const skip = skipReason(key, workload);
  if (skip) {
    notes.push(`${key} ${workload}: ${skip}`);
    log(`  ${workload.padEnd(20)} ${key.padEnd(28)} skipped`);
    return null;
  }
  try {
    const v = await f();
    log(`  ${workload.padEnd(20)} ${key.padEnd(28)} ${v === null ? 'null' : v.toPrecision(4)}`);
    return v;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!;
    notes.push(`${key} ${workload}: ${msg}`);
    log(`  ${workload.padEnd(20)} ${key.padEnd(28)} failed: ${msg}`);
    return null;
  }
}

const rows: Row[] = [];
const emptyRow = (workload: string, unit: Unit): Row => {
  const r: Row = { workload, unit };
  for (const c of COLUMNS) r[c] = null;
  return r;
};

const oneThreadRows: Row[] = [];
const trainingRows: [NetKind, Row, Row][] = [];
for (const kind of ['shallow', 'conv'] as NetKind[]) {
  for (const mb of [10, 100]) {
    const row = emptyRow(`${kind}-mb${mb}`, 'ex/s'), t1 = emptyRow(`${kind}-mb${mb}-t1`, 'ex/s');
    if (selected('hypatia')) t1.hypatia = await attempt('hypatia', t1.workload, () => oneThread.train(kind, mb, params[kind], data, budget));
    for (const r of runners) row[r.key] = await attempt(r.key, row.workload, () => r.train(kind, mb, params[kind], data, budget));
    t1.pytorch = pytorch.oneThread.get(row.workload) ?? null;
    if (typeof row.hypatia === 'number' && typeof t1.hypatia === 'number') row.threadScaling = row.hypatia / t1.hypatia;
    rows.push(row);
    oneThreadRows.push(t1);
    trainingRows.push([kind, row, t1]);
  }
}
rows.push(...oneThreadRows);
for (const kind of ['shallow', 'conv'] as NetKind[]) {
  const row = emptyRow(`infer-${kind}`, 'ex/s');
  for (const r of runners) {
    const rows = inferenceRows(r.key);
    if (rows < data.nValid && !skipReason(r.key, row.workload)) notes.push(`${r.key} ${row.workload}: measured on the first ${rows} validation rows`);
    row[r.key] = await attempt(r.key, row.workload, () => r.infer(kind, params[kind], { ...data, nValid: rows }, budget));
  }
  rows.push(row);
}
for (const [name, m, k, n] of [['256', 256, 256, 256], ['512', 512, 512, 512], ['1024', 1024, 1024, 1024], ['10x784x100', 10, 784, 100], ['10x2880x100', 10, 2880, 100]] as const) {
  const row = emptyRow(`sgemm-${name}`, 'GFLOP/s');
  for (const r of runners) row[r.key] = await attempt(r.key, row.workload, () => r.sgemm(m, k, n, budget));
  if (selected('openblas')) row.openblas = await attempt('openblas', row.workload, async () => openblasSgemm(m, k, n, budget, notes));
  rows.push(row);
}

const peak = emptyRow('flop-ceiling', 'GFLOP/s'), peakT1 = emptyRow('flop-ceiling-t1', 'GFLOP/s');
if (selected('openblas')) {
  const best = (threads: number) => async () => {
    const rates = PEAK_SIZES.map((s) => openblasSgemm(s, s, s, budget, notes, threads)).filter((v): v is number => v !== null);
    return rates.length ? Math.max(...rates) : null;
  };
  peak.openblas = await attempt('openblas', peak.workload, best(2));
  peakT1.openblas = await attempt('openblas', peakT1.workload, best(1));
}
for (const [kind, row, t1] of trainingRows) {
  for (const [r, p] of [[row, peak], [t1, peakT1]] as const) {
    r.ceiling = ceilingFraction(kind, r.hypatia as number | null, p.openblas as number | null);
    r.pytorchCeiling = ceilingFraction(kind, r.pytorch as number | null, p.openblas as number | null);
  }
}
rows.push(peak, peakT1);

const cold = emptyRow('compile-conv-cold', 's'), cached = emptyRow('compile-conv-cached', 's');
for (const [key, backend] of hypatiaBackends) {
  if (!selected(key)) continue;
  const t = await attempt(key, 'compile-conv', () => hypatiaCompileTimes(backend, quick ? 1 : 3).then((t) => { cached[key] = t.cached; return t.cold; }));
  cold[key] = t;
}
for (const r of runners) {
  if (r.key.startsWith('hypatia')) continue;
  if (!r.compileConv) {
    notes.push(`${r.key} compile-conv: executes eagerly, there is no compile step to time`);
    continue;
  }
  // In this process the training rows have already compiled the same kernels: a cold figure needs a fresh one.
  cold[r.key] = await attempt(r.key, 'compile-conv-cold', () => r.key === 'jax-js' ? runChild('jax-js', tmpdir()) : r.compileConv!(false, params.conv, data));
  cached[r.key] = await attempt(r.key, 'compile-conv-cached', () => r.compileConv!(true, params.conv, data));
}
rows.push(cold, cached);
rows.push(await lstmRow(emptyRow('lstm', 'ex/s'), COLUMNS.filter(selected), quick, budget, THREADS, notes, attempt));

for (const r of runners) notes.push(...r.notes);
if (slowMeasurements) notes.push(`${slowMeasurements} measurement(s) had a first call slower than twice the time box, so one further call was timed instead of rounds`);

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage: loadavg()[0], node: process.version };
console.log(renderTable(rows, COLUMNS, PEERS));
console.log(`\n${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage!.toFixed(2)} at the end; ${quick ? 'QUICK smoke run, not a measurement' : 'full run'}`);
console.log('hypatia = the native (C) backend, hypatia-wasm = the WebAssembly backend; "vs X" = hypatia over X, > 1 means hypatia ahead (compile rows: X time over ours)');
for (const n of notes) console.log(`note: ${n}`);
if (asJson) console.log(JSON.stringify({ rows, notes, machine, quick }));
