import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The packages a user installs, and their builds: pack and publish read each package's dist/,
// so a dist/ older than its sources is rebuilt first (CI builds before it tests, so there it is fresh).

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PACKAGES = ['core', 'ops', 'backends', 'nn'] as const;
/** pnpm as CI runs it (root package.json's packageManager). */
export const PNPM = ['npx', '-y', 'pnpm@10.34.8'] as const;

function newest(dir: string, skip: RegExp): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (skip.test(p)) continue;
    t = Math.max(t, e.isDirectory() ? newest(p, skip) : statSync(p).mtimeMs);
  }
  return t;
}

function oldest(dir: string): number {
  return Math.min(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));
}

/** Whether packages/<name>/dist is missing or older than what it is built from. */
export function isStale(name: string): boolean {
  const dir = join(ROOT, 'packages', name);
  const dist = join(dir, 'dist');
  if (!existsSync(join(dist, 'index.js')) || !existsSync(join(dist, 'index.cjs'))) return true;
  const inputs = Math.max(
    newest(join(dir, 'src'), /\.test\.ts$/),
    ...[join(dir, 'package.json'), join(dir, 'tsup.config.ts'), join(ROOT, 'tsup.shared.ts')].map((f) => statSync(f).mtimeMs),
  );
  return oldest(dist) < inputs;
}

/** Rebuilds each stale package; returns the names it built. */
export function buildStale(): string[] {
  const stale = PACKAGES.filter(isStale);
  for (const name of stale) execFileSync(join(ROOT, 'node_modules', '.bin', 'tsup'), [], { cwd: join(ROOT, 'packages', name), stdio: 'pipe' });
  return stale;
}
