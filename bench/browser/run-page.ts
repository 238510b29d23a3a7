// Serves a benchmark page and runs it in headless Chromium: the page's bundle, an index.html, the
// training rows (rows-file.ts) and tfjs-backend-wasm's .wasm files, from a temporary directory
// over localhost with COOP/COEP (so the page is cross-origin isolated and the wasm peers may use
// threads). The page reports through window.benchResult, or window.benchError when it failed.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { bundlePage } from '../../examples/browser-demo/bundle.js';
import { servePage } from '../../examples/browser-demo/serve.js';
import { chromiumMissing, launchChromium } from '../../examples/browser-demo/chromium.js';
import { loadBenchData } from '../lib/bench-data.js';
import { encodeRows } from './rows-file.js';

const TFJS_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export interface PageRun<T> {
  result: T;
  chromium: string;
}

/** Runs `entry` (a page module) on the first `nTrain` training rows; `query` is the page URL's query string. */
export async function runBenchPage<T>(options: { entry: string; nTrain: number; query?: string; minutes: number; log?: (line: string) => void }): Promise<PageRun<T>> {
  const log = options.log ?? (() => {});
  const missing = await chromiumMissing();
  if (missing) throw new Error(`the browser benchmark needs Chromium: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'hypatia-bench-browser-'));
  try {
    await bundlePage(options.entry, join(dir, 'page.js'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Hypatia browser benchmark</title><link rel="icon" href="data:,"><script type="module" src="page.js"></script>\n');
    const tfjsDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/index.js'));
    mkdirSync(join(dir, 'tfjs'));
    for (const f of TFJS_WASM_FILES) copyFileSync(join(tfjsDist, f), join(dir, 'tfjs', f));
    writeFileSync(join(dir, 'rows.bin'), encodeRows(loadBenchData(options.nTrain, 0)));
    const server = await servePage(dir);
    const browser = await launchChromium({ webgpu: false });
    try {
      const page = await browser.newPage();
      page.on('console', (m) => log(m.text()));
      page.on('response', (r) => { if (r.status() >= 400) log(`${r.url()}: HTTP ${r.status()}`); });
      await page.goto(`${server.url}${options.query ? `?${options.query}` : ''}`);
      const deadline = Date.now() + options.minutes * 60_000;
      for (;;) {
        const got = await page.evaluate(() => {
          const w = window as unknown as { benchResult?: unknown; benchError?: string };
          return { result: w.benchResult ?? null, error: w.benchError ?? null };
        });
        if (got.error) throw new Error(`the benchmark page failed: ${got.error}`);
        if (got.result) return { result: got.result as T, chromium: browser.version() };
        if (Date.now() > deadline) throw new Error(`the benchmark page gave no result in ${options.minutes} minutes`);
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
