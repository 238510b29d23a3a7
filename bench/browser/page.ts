// The browser benchmark's page: network3's shallow and conv nets trained at mini-batch 10 by
// Hypatia's wasm backend, TensorFlow.js's wasm backend and jax-js's wasm device, one after
// another, from the same weights on the same rows, with the Node benchmark's runners and timing
// (performance.now, median round). bench/browser.ts serves it and reads window.benchResult.
import '@hypatia/backends';
import { env } from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { HypatiaRunner } from '../lib/hypatia-runner.js';
import { TfjsRunner } from '../lib/tfjs-runner.js';
import { JaxRunner } from '../lib/jax-runner.js';
import { initialParams, type NetKind } from '../lib/workloads.js';
import { FULL_BUDGET, QUICK_BUDGET } from '../lib/timing.js';
import type { Runner } from '../lib/runner.js';
import type { Row } from '../lib/table.js';
import { decodeRows } from './rows-file.js';

export interface BrowserBenchResult {
  rows: Row[];
  notes: string[];
  page: { userAgent: string; hardwareConcurrency: number; crossOriginIsolated: boolean; tfjsSimd: boolean; tfjsThreadsSupported: boolean; tfjsThreads: number | null };
}

// tfjs-backend-wasm fetches its .wasm files (plain, SIMD, threaded SIMD) from here; it picks the
// threaded one when the page is cross-origin isolated. Its own default is half the hardware
// threads (one on two cores): it gets all of them.
setWasmPaths('./tfjs/');
setThreadsCount(navigator.hardwareConcurrency);

const quick = new URLSearchParams(location.search).has('quick');
const g = window as unknown as { benchResult?: BrowserBenchResult; benchError?: string };

async function main(): Promise<BrowserBenchResult> {
  const data = decodeRows(await (await fetch('rows.bin')).arrayBuffer());
  const budget = quick ? QUICK_BUDGET : FULL_BUDGET;
  const runners: Runner[] = [new HypatiaRunner('hypatia-wasm', 'wasm'), new TfjsRunner('wasm'), new JaxRunner()];
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const kind of ['shallow', 'conv'] as NetKind[]) {
    const params = initialParams(kind);
    const row: Row = { workload: `${kind}-mb10`, unit: 'ex/s' };
    for (const r of runners) {
      try {
        row[r.key] = await r.train(kind, 10, params, data, budget);
      } catch (e) {
        row[r.key] = null;
        notes.push(`${r.key} ${row.workload}: ${(e as Error).message.split('\n')[0]}`);
      }
      console.log(`  ${row.workload.padEnd(14)} ${r.key.padEnd(14)} ${row[r.key] === null ? 'failed' : Number(row[r.key]).toPrecision(4)}`);
    }
    rows.push(row);
  }
  for (const r of runners) notes.push(...r.notes);
  let tfjsThreads: number | null = null;
  try { tfjsThreads = getThreadsCount(); } catch { /* the wasm backend never started */ }
  return {
    rows, notes,
    page: {
      userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated,
      tfjsSimd: await env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean, tfjsThreadsSupported: await env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as boolean, tfjsThreads,
    },
  };
}

main().then((r) => { g.benchResult = r; }, (e: unknown) => { g.benchError = e instanceof Error ? `${e.message}\n${e.stack}` : String(e); });
