// Compile time of the conv training function on a Hypatia backend, each measurement in a fresh
// process (bench/compile-conv.ts) so that no in-memory cache helps: "cold" with an empty cache
// directory, "cached" with the directory the cold run filled.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'compile-conv.ts');

export function runChild(backend: string, cacheDir: string): Promise<number> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, backend], {
      env: { ...process.env, HYPATIA_CACHE_DIR: cacheDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as { seconds: number; cost: number };
        if (code !== 0 || !Number.isFinite(r.cost)) throw new Error(`cost ${r.cost}`);
        ok(r.seconds);
      } catch {
        const msg = err.split('\n').find((l) => /Error/.test(l)) ?? err.trim().split('\n')[0] ?? `exit ${code}`;
        fail(new Error(msg.trim()));
      }
    });
  });
}

/**
 * Seconds to compile the conv training function with an empty cache, then with the cache it filled:
 * the median of three of each (one cold build moved between 2.4 and 3.8 s on the shared machine).
 */
export async function hypatiaCompileTimes(backend: string, samples = 3): Promise<{ cold: number; cached: number }> {
  const colds: number[] = [], cacheds: number[] = [];
  for (let i = 0; i < samples; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'hypatia-bench-cache-'));
    try {
      colds.push(await runChild(backend, dir));
      cacheds.push(await runChild(backend, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { cold: median(colds), cached: median(cacheds) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
