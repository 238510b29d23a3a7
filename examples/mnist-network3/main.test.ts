import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPILE_NOTICE } from './compile-notice.js';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hypatia-mnist-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One quick epoch of the shallow net on 200 images, as `pnpm mnist` runs it. */
const runMain = (out: string, env: Record<string, string>) => new Promise<{ result: { backend: string }; stderr: string }>((ok, fail) => {
  const args = [main, '--experiment', 'shallow', '--epochs', '1', '--limit', '200', '--json', '--no-progress', '--out', out];
  execFile(tsx, args, { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => (err
    ? fail(new Error(`${err.message}\n${stderr}`))
    : ok({ result: JSON.parse(stdout.trim().split('\n').at(-1)!), stderr })));
});

describe('pnpm mnist', () => {
  it("names its results after the backend that ran: 'wasm' when 'cpu' finds no C compiler", async () => {
    const out = freshDir();
    const { result, stderr } = await runMain(out, { HYPATIA_CC: '/nonexistent/hypatia-cc', HYPATIA_CACHE_DIR: freshDir() });
    expect(stderr).toContain("the 'cpu' backend is running WebAssembly (the wasm backend)");
    expect(result.backend).toBe('wasm');
    expect(readdirSync(out).sort()).toEqual(['shallow-wasm-1ep-limit200.json', 'shallow-wasm-1ep-limit200.svg']);
    expect(JSON.parse(readFileSync(join(out, 'shallow-wasm-1ep-limit200.json'), 'utf8')).backend).toBe('wasm');
    expect(stderr).not.toContain(COMPILE_NOTICE);
  });

  it('says once that kernels are being compiled on a cold cache, and nothing when they are cached', async () => {
    const cache = freshDir();
    const out = freshDir();
    const cold = await runMain(out, { HYPATIA_CACHE_DIR: cache });
    expect(cold.stderr.split(COMPILE_NOTICE)).toHaveLength(2);
    expect(cold.result.backend).toBe('cpu');
    expect(readdirSync(out)).toContain('shallow-cpu-1ep-limit200.json');
    const cached = await runMain(out, { HYPATIA_CACHE_DIR: cache });
    expect(cached.stderr).not.toContain(COMPILE_NOTICE);
    expect(cached.result.backend).toBe('cpu');
  });
});
