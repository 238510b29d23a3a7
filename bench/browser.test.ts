// `pnpm bench:browser --quick --json` end to end in headless Chromium (a smoke run, not a
// measurement): the two rows with the columns, numbers from Hypatia's wasm backend and
// jax-js on both nets, tfjs-wasm on the shallow one, and a note for each null. Outside CI a machine
// without Chromium or playwright-core skips with a line saying why; under CI=true it fails.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromiumMissing } from '../examples/browser-demo/chromium.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const missing = await chromiumMissing();
if (missing) {
  if (process.env.CI === 'true') throw new Error(`browser benchmark test cannot run: ${missing}`);
  console.warn(`browser benchmark test skipped: ${missing}`);
}

interface Result { rows: Record<string, string | number | null>[]; notes: string[]; machine: { crossOriginIsolated: boolean; tfjsSimd: boolean } }

describe.runIf(!missing)('pnpm bench:browser --quick', () => {
  it('prints shallow-mb10 and conv-mb10 in ex/s for hypatia-wasm, tfjs-wasm and jax-js, with a reason for each null', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/browser.ts', '--quick', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]!) as Result;
    expect(result.rows.map((row) => row.workload)).toEqual(['shallow-mb10', 'conv-mb10']);
    for (const row of result.rows) expect(Object.keys(row).sort()).toEqual(['hypatia-wasm', 'jax-js', 'tfjs-wasm', 'unit', 'workload']);
    const [shallow, conv] = result.rows as [Record<string, number | null>, Record<string, number | null>];
    for (const row of [shallow, conv]) {
      expect(row.unit).toBe('ex/s');
      expect(row['hypatia-wasm'], `hypatia-wasm ${row.workload}`).toBeGreaterThan(0);
      expect(row['jax-js'], `jax-js ${row.workload}`).toBeGreaterThan(0);
    }
    expect(shallow['tfjs-wasm']).toBeGreaterThan(0);
    // tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter: the row says so rather than a number.
    expect(conv['tfjs-wasm']).toBeNull();
    expect(result.notes.some((n) => n.startsWith('tfjs-wasm conv-mb10') && n.includes('Conv2DBackpropFilter'))).toBe(true);
    // The page is served cross-origin isolated, so the wasm peers may use their threaded builds.
    expect(result.machine.crossOriginIsolated).toBe(true);
    expect(result.machine.tfjsSimd).toBe(true);
    expect(r.stdout).toContain('vs jax-js');
  }, 180_000);
});
