// The harness end to end in its --quick form (a smoke run, not a measurement): every workload row is
// present, the runners asked for produce positive numbers, and what cannot run is null with a note.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKLOADS = [
  'shallow-mb10', 'shallow-mb100', 'conv-mb10', 'conv-mb100',
  'shallow-mb10-t1', 'shallow-mb100-t1', 'conv-mb10-t1', 'conv-mb100-t1', 'infer-shallow', 'infer-conv',
  'sgemm-256', 'sgemm-512', 'sgemm-1024', 'sgemm-10x784x100', 'sgemm-10x2880x100', 'flop-ceiling', 'flop-ceiling-t1',
  'compile-conv-cold', 'compile-conv-cached', 'lstm',
];
/** Rows only the native backend, PyTorch and OpenBLAS fill: the other columns are null there by design. */
const NATIVE_ONLY = /-t1$|^flop-ceiling/;

interface Result { rows: Record<string, string | number | null>[]; notes: string[] }

describe('pnpm bench --quick', () => {
  it('prints every workload, with numbers from the runners asked for and reasons for each null', () => {
    // The reference backend needs no C compiler, so this does not depend on a cold native build cache.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--quick', '--json', '--runners=hypatia-reference,tfjs-wasm,jax-js'], {
      cwd: ROOT, encoding: 'utf8', timeout: 110_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]!) as Result;
    expect(result.rows.map((row) => row.workload)).toEqual(WORKLOADS);
    const byName = new Map(result.rows.map((row) => [row.workload, row]));
    const positive = (w: string, col: string) => expect(byName.get(w)![col], `${col} ${w}`).toBeGreaterThan(0);
    for (const w of ['shallow-mb10', 'shallow-mb100', 'conv-mb10', 'conv-mb100', 'infer-shallow', 'infer-conv', 'sgemm-256', 'sgemm-10x784x100', 'sgemm-10x2880x100', 'compile-conv-cold', 'compile-conv-cached', 'lstm']) {
      positive(w, 'hypatia-reference');
    }
    for (const w of ['shallow-mb10', 'shallow-mb100', 'conv-mb10', 'conv-mb100', 'infer-shallow', 'infer-conv', 'sgemm-256', 'sgemm-512', 'sgemm-1024', 'compile-conv-cold']) {
      positive(w, 'jax-js');
    }
    for (const w of ['shallow-mb10', 'shallow-mb100', 'infer-shallow', 'infer-conv', 'sgemm-1024']) positive(w, 'tfjs-wasm');
    // Columns not asked for are null everywhere, and the notes say why.
    for (const row of result.rows) for (const col of ['hypatia', 'tfjs-cpu', 'pytorch', 'openblas']) expect(row[col], `${col} ${row.workload}`).toBeNull();
    expect(result.notes.some((n) => n.includes('--runners'))).toBe(true);
    // Every other null among the runners asked for has a note naming the runner and the workload.
    for (const row of result.rows.filter((r) => !NATIVE_ONLY.test(String(r.workload)))) {
      for (const col of ['hypatia-reference', 'tfjs-wasm', 'jax-js']) {
        if (row[col] === null) expect(result.notes.some((n) => n.startsWith(`${col} ${String(row.workload).replace(/-(cold|cached)$/, '')}`)), `${col} ${row.workload}`).toBe(true);
      }
    }
    // The table comes before the JSON line.
    expect(r.stdout).toContain('vs tfjs-wasm');
  }, 120_000);
});
