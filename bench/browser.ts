// `pnpm bench:browser`: Hypatia's wasm backend against TensorFlow.js (wasm: SIMD, and threads when
// the page is cross-origin isolated) and jax-js (wasm device, jit; worker threads likewise) in
// headless Chromium, training network3's shallow and conv nets at mini-batch 10, side by side on
// one page, from the same data and initial weights (bench/browser/page.ts).
//   --quick   a smoke run (tiny data and time boxes): checks the harness, measures nothing
//   --json    print one JSON object {"rows": [...], "notes": [...], "machine": {...}, "quick": bool} as the last line
// Rates are training examples per second; "vs X" is hypatia-wasm over X (> 1: Hypatia ahead).
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable } from './lib/table.js';
import { runBenchPage } from './browser/run-page.js';
import type { BrowserBenchResult } from './browser/page.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const COLUMNS = ['hypatia-wasm', 'tfjs-wasm', 'jax-js'];
const PEERS = ['tfjs-wasm', 'jax-js'];

export interface BrowserBenchRun extends BrowserBenchResult {
  machine: { cpu: string; cores: number; loadAverage: number; node: string; chromium: string };
}

/** Runs the page in headless Chromium and returns what it measured. */
export async function runBrowserBench(options: { quick: boolean; log?: (line: string) => void }): Promise<BrowserBenchRun> {
  const { result, chromium } = await runBenchPage<BrowserBenchResult>({
    entry: join(here, 'browser', 'page.ts'), nTrain: options.quick ? 200 : 5000, query: options.quick ? 'quick' : '', minutes: 15, log: options.log,
  });
  return { ...result, machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage: loadavg()[0]!, node: process.version, chromium } };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick' && a !== '--json');
  if (unknown.length) {
    console.error(`bench:browser: unknown argument ${unknown.join(' ')} (expected --quick, --json)`);
    process.exit(2);
  }
  const quick = args.includes('--quick');
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`bench:browser: ${quick ? 'quick smoke run' : 'full run'}, load average ${loadavg()[0]!.toFixed(2)}`);
  const run = await runBrowserBench({ quick, log });
  const { machine, page } = run;
  console.log(renderTable(run.rows, COLUMNS, PEERS, 'hypatia-wasm'));
  console.log(`\n${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage.toFixed(2)} at the end; Chromium ${machine.chromium} headless, ${page.hardwareConcurrency} hardware threads, cross-origin isolated: ${page.crossOriginIsolated}; ${quick ? 'QUICK smoke run, not a measurement' : 'full run'}`);
  console.log(`threads: hypatia-wasm ${page.crossOriginIsolated ? `${page.hardwareConcurrency} (its default pool: one Web Worker per hardware thread, sharing launches big enough to split)` : '1 (not cross-origin isolated)'}; tfjs-wasm ${page.tfjsThreads ?? '?'} (SIMD ${page.tfjsSimd ? 'on' : 'off'}, threaded build ${page.tfjsThreadsSupported ? 'on' : 'off'}); jax-js ${page.crossOriginIsolated ? `${page.hardwareConcurrency} workers` : '1'} (one worker per hardware thread when SharedArrayBuffer exists)`);
  console.log('"vs X" = hypatia-wasm over X, > 1 means hypatia ahead');
  for (const n of run.notes) console.log(`note: ${n}`);
  if (args.includes('--json')) console.log(JSON.stringify({ rows: run.rows, notes: run.notes, machine: { ...machine, ...page }, quick }));
}
