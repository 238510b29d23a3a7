// `pnpm bench:browser`: Hypatia's wasm backend against TensorFlow.js (wasm: SIMD, and threads when
// the page is cross-origin isolated) and jax-js (wasm device, jit; worker threads likewise) in
// headless Chromium, training network3's shallow and conv nets at mini-batch 10, side by side on
// one page, from the same data and initial weights (bench/browser/page.ts).
//   --quick   a smoke run (tiny data and time boxes): checks the harness, measures nothing
//   --json    print one JSON object {"rows": [...], "notes": [...], "machine": {...}, "quick": bool} as the last line
// Rates are training examples per second; "vs X" is hypatia-wasm over X (> 1: Hypatia ahead).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundlePage } from '../examples/browser-demo/bundle.js';
import { servePage } from '../examples/browser-demo/serve.js';
import { chromiumMissing, launchChromium } from '../examples/browser-demo/chromium.js';
import { loadBenchData } from './lib/bench-data.js';
import { renderTable } from './lib/table.js';
import { encodeRows } from './browser/rows-file.js';
import type { BrowserBenchResult } from './browser/page.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const COLUMNS = ['hypatia-wasm', 'tfjs-wasm', 'jax-js'];
const PEERS = ['tfjs-wasm', 'jax-js'];
const TFJS_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Builds the page into `dir`: the bundle, index.html, tfjs's .wasm files and the training rows. */
async function buildBenchPage(dir: string, nTrain: number): Promise<void> {
  await bundlePage(join(here, 'browser', 'page.ts'), join(dir, 'page.js'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Hypatia browser benchmark</title><link rel="icon" href="data:,"><script type="module" src="page.js"></script>\n');
  const tfjsDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/index.js'));
  mkdirSync(join(dir, 'tfjs'));
  for (const f of TFJS_WASM_FILES) copyFileSync(join(tfjsDist, f), join(dir, 'tfjs', f));
  writeFileSync(join(dir, 'rows.bin'), encodeRows(loadBenchData(nTrain, 0)));
}

export interface BrowserBenchRun extends BrowserBenchResult {
  machine: { cpu: string; cores: number; loadAverage: number; node: string; chromium: string };
}

/** Runs the page in headless Chromium and returns what it measured. */
export async function runBrowserBench(options: { quick: boolean; log?: (line: string) => void }): Promise<BrowserBenchRun> {
  const log = options.log ?? (() => {});
  const missing = await chromiumMissing();
  if (missing) throw new Error(`bench:browser needs Chromium: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'hypatia-bench-browser-'));
  try {
    await buildBenchPage(dir, options.quick ? 200 : 5000);
    const server = await servePage(dir);
    const browser = await launchChromium({ webgpu: false });
    try {
      const page = await browser.newPage();
      page.on('console', (m) => log(m.text()));
      page.on('response', (r) => { if (r.status() >= 400) log(`${r.url()}: HTTP ${r.status()}`); });
      await page.goto(`${server.url}${options.quick ? '?quick' : ''}`);
      const deadline = Date.now() + 15 * 60_000;
      for (;;) {
        const got = await page.evaluate(() => {
          const w = window as unknown as { benchResult?: BrowserBenchResult; benchError?: string };
          return { result: w.benchResult ?? null, error: w.benchError ?? null };
        });
        if (got.error) throw new Error(`the benchmark page failed: ${got.error}`);
        if (got.result) {
          return {
            ...got.result,
            machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage: loadavg()[0]!, node: process.version, chromium: browser.version() },
          };
        }
        if (Date.now() > deadline) throw new Error('the benchmark page gave no result in 15 minutes');
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  console.log(`threads: hypatia-wasm 1 (no worker threads); tfjs-wasm ${page.tfjsThreads ?? '?'} (SIMD ${page.tfjsSimd ? 'on' : 'off'}, threaded build ${page.tfjsThreadsSupported ? 'on' : 'off'}); jax-js ${page.crossOriginIsolated ? `${page.hardwareConcurrency} workers` : '1'} (one worker per hardware thread when SharedArrayBuffer exists)`);
  console.log('"vs X" = hypatia-wasm over X, > 1 means hypatia ahead');
  for (const n of run.notes) console.log(`note: ${n}`);
  if (args.includes('--json')) console.log(JSON.stringify({ rows: run.rows, notes: run.notes, machine: { ...machine, ...page }, quick }));
}
