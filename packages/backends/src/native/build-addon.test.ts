import { afterEach, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NDArray, compile, tensor } from '@hypatia/core';
import { add, exp, mul } from '@hypatia/ops';
import { NativeBackend } from './native-backend.js';
import { CpuBackend } from './cpu-backend.js';
import { buildStats, onNativeBuild, setOpenMpDefaults } from './build-addon.js';
import { recordPath } from './cache-integrity.js';

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hypatia-cache-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const child = fileURLToPath(new URL('./testing/build-child.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
type ChildRun = { out: number[]; stats: typeof buildStats; announced: number; warnings: string[] };
const runChild = (cacheDir: string) => new Promise<ChildRun>((ok, fail) => {
  execFile(tsx, [child, cacheDir], { timeout: 120_000 }, (err, stdout, stderr) => (err
    // tsx passes a child's death by signal on as 128 + the signal (135: SIGBUS, a damaged addon mapped).
    ? fail(new Error(`${err.message} (exit code ${err.code}, signal ${err.signal})\n${stderr}`))
    : ok({ ...JSON.parse(stdout), warnings: stderr.split('\n').filter((l) => l.startsWith('hypatia:')) })));
});

describe('native build cache', () => {
  it('builds an identical graph once: the second compile runs no compiler', async () => {
    const cacheDir = freshDir();
    const make = () => {
      const x = tensor('float32', [null], 'x');
      return { inputs: [x], outputs: exp(add(x, 1)), backend: new NativeBackend(), backendOptions: { cacheDir } };
    };
    const before = buildStats.compilerRuns;
    const f1 = await compile(make());
    expect(buildStats.compilerRuns).toBe(before + 1);
    const f2 = await compile(make());
    expect(buildStats.compilerRuns).toBe(before + 1);
    expect(f1.executable.describe()).toBe(f2.executable.describe());
    expect((await f2([0, 1])).data[0]).toBeCloseTo(Math.E, 5);
  });

  it('two processes building the same source at once both succeed, leaving one addon; a later run hits the disk', async () => {
    const cacheDir = freshDir();
    const [a, b] = await Promise.all([runChild(cacheDir), runChild(cacheDir)]);
    expect(a.out).toEqual([3, 6, 9]);
    expect(b.out).toEqual([3, 6, 9]);
    const files = readdirSync(cacheDir);
    expect(files.filter((f) => f.endsWith('.node'))).toHaveLength(1);
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    const c = await runChild(cacheDir);
    expect(c.out).toEqual([3, 6, 9]);
    expect(c.stats.compilerRuns).toBe(0);
    expect(c.stats.diskHits).toBe(1);
    // A damaged entry is rebuilt rather than failing every later run.
    writeFileSync(join(cacheDir, files.find((f) => f.endsWith('.node'))!), 'not an addon');
    const d = await runChild(cacheDir);
    expect(d.out).toEqual([3, 6, 9]);
    expect(d.stats.compilerRuns).toBe(1);
  });

  it('a cached addon that is truncated, has a changed byte or lost its record is rebuilt with one warning, never loaded', async () => {
    const cacheDir = freshDir();
    const first = await runChild(cacheDir);
    expect(first.stats.compilerRuns).toBe(1);
    expect(first.warnings).toEqual([]);
    const addon = join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.node'))!);
    expect(existsSync(recordPath(addon))).toBe(true);
    const damages: [string, () => void][] = [
      ['truncated', () => truncateSync(addon, Math.floor(readFileSync(addon).length / 2))],
      ['a changed byte', () => {
        const bytes = readFileSync(addon);
        bytes[bytes.length >> 1] ^= 0xff;
        writeFileSync(addon, bytes);
      }],
      ['no record', () => rmSync(recordPath(addon))],
    ];
    for (const [what, damage] of damages) {
      damage();
      const r = await runChild(cacheDir);
      expect(r.out, what).toEqual([3, 6, 9]);
      expect(r.stats.compilerRuns, what).toBe(1);
      expect(r.warnings, what).toHaveLength(1);
      expect(r.warnings[0], what).toContain(addon);
      // The rebuilt entry is whole: the next run loads it silently.
      const again = await runChild(cacheDir);
      expect(again.stats, what).toMatchObject({ compilerRuns: 0, diskHits: 1 });
      expect(again.warnings, what).toEqual([]);
      expect(again.out, what).toEqual([3, 6, 9]);
    }
  });

  it('build listeners hear each compiler run, and nothing on a cache hit', async () => {
    const cacheDir = freshDir();
    const cold = await runChild(cacheDir);
    expect(cold.announced).toBe(1);
    const cachedOnDisk = await runChild(cacheDir);
    expect(cachedOnDisk.announced).toBe(0);
    const heard: string[] = [];
    const stop = onNativeBuild((e) => heard.push(e.path));
    try {
      const x = tensor('float64', [null], 'x');
      const spec = { inputs: [x], outputs: exp(mul(x, 5)), backend: new NativeBackend(), backendOptions: { cacheDir } };
      await compile(spec);
      await compile(spec);
    } finally {
      stop();
    }
    expect(heard).toHaveLength(1);
    expect(dirname(heard[0]!)).toBe(cacheDir);
    expect(heard[0]).toMatch(/hypatia-[0-9a-f]+\.node$/);
  });

  it('an unwritable cache directory is a clear error', async () => {
    const blocker = join(freshDir(), 'a-file');
    writeFileSync(blocker, '');
    const x = tensor('float64', [null], 'x');
    await expect(compile({ inputs: [x], outputs: exp(mul(x, 3)), backend: new NativeBackend(), backendOptions: { cacheDir: join(blocker, 'cache') } }))
      .rejects.toThrow(/cannot write to the kernel cache .*HYPATIA_CACHE_DIR/);
  });
});

describe('OpenMP wait settings', () => {
  it('an unset wait policy becomes a bounded spin then sleep; a policy or spin count the user set is kept', () => {
    const unset: Record<string, string | undefined> = {};
    setOpenMpDefaults(unset);
    expect(unset).toEqual({ OMP_WAIT_POLICY: 'PASSIVE', GOMP_SPINCOUNT: '10000' });
    const active: Record<string, string | undefined> = { OMP_WAIT_POLICY: 'ACTIVE' };
    setOpenMpDefaults(active);
    expect(active).toEqual({ OMP_WAIT_POLICY: 'ACTIVE' });
    const spin: Record<string, string | undefined> = { GOMP_SPINCOUNT: '0' };
    setOpenMpDefaults(spin);
    expect(spin).toEqual({ OMP_WAIT_POLICY: 'PASSIVE', GOMP_SPINCOUNT: '0' });
  });
});

describe('without a working C compiler', () => {
  const graph = (backend: NativeBackend | CpuBackend) => {
    const x = tensor('float64', [null], 'x');
    return compile({ inputs: [x], outputs: mul(x, 2), backend, backendOptions: { cc: '/nonexistent/hypatia-cc', cacheDir: freshDir() } });
  };

  it("'native' throws an error naming the compiler and what to do", async () => {
    await expect(graph(new NativeBackend())).rejects.toThrow(/C compiler '\/nonexistent\/hypatia-cc' cannot be run.*HYPATIA_CC/s);
  });

  it('reads the compiler from $HYPATIA_CC at compile time', async () => {
    const saved = process.env.HYPATIA_CC;
    process.env.HYPATIA_CC = '/nonexistent/env-cc';
    try {
      const x = tensor('float64', [null], 'x');
      await expect(compile({ inputs: [x], outputs: mul(x, 2), backend: new NativeBackend(), backendOptions: { cacheDir: freshDir() } }))
        .rejects.toThrow(/'\/nonexistent\/env-cc' cannot be run/);
    } finally {
      if (saved === undefined) delete process.env.HYPATIA_CC;
      else process.env.HYPATIA_CC = saved;
    }
  });

  it("'cpu' falls back to WebAssembly (the wasm backend) with one warning", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const f = await graph(new CpuBackend());
    const g = await graph(new CpuBackend());
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/running WebAssembly \(the wasm backend\).*hypatia-cc/);
    expect((await f(NDArray.from([1, 2], 'float64'))).toArray()).toEqual([2, 4]);
    expect((await g(NDArray.from([3], 'float64'))).toArray()).toEqual([6]);
  });

  it("a function 'cpu' handed to the wasm backend says so in fn.backend and debugPrint; with a compiler it says 'cpu'", async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const saved = process.env.HYPATIA_CC;
    process.env.HYPATIA_CC = '/nonexistent/env-cc';
    try {
      const x = tensor('float64', [null], 'x');
      const fell = await compile({ inputs: [x], outputs: mul(x, 2), backend: new CpuBackend(), backendOptions: { cacheDir: freshDir() } });
      expect(fell.backend).toBe('wasm');
      expect(fell.debugPrint()).toContain('wasm backend, ');
      expect((await fell(NDArray.from([1.5], 'float64'))).toArray()).toEqual([3]);
    } finally {
      if (saved === undefined) delete process.env.HYPATIA_CC;
      else process.env.HYPATIA_CC = saved;
    }
    const x = tensor('float64', [null], 'x');
    const native = await compile({ inputs: [x], outputs: mul(x, 2), backend: new CpuBackend(), backendOptions: { cacheDir: freshDir() } });
    expect(native.backend).toBe('cpu');
    expect(native.debugPrint()).toContain('cpu backend, ');
  });
});

describe('native build in several translation units', () => {
  it('a conv net step built as 1, 2 and 3 units gives the same results (conv2d calls the gemm across units)', async () => {
    const { conv2d, sigmoid, sum } = await import('@hypatia/ops');
    const { grad } = await import('@hypatia/core');
    const x = tensor('float32', [null, 1, 8, 8], 'x');
    const w = tensor('float32', [3, 1, 3, 3], 'w');
    const cost = sum(sigmoid(mul(conv2d(x, w), 0.5)));
    const outputs = [cost, grad(cost, w)];
    const xs = new NDArray('float32', [2, 1, 8, 8], Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)));
    const ws = new NDArray('float32', [3, 1, 3, 3], Float32Array.from({ length: 27 }, (_, i) => Math.cos(i) / 3));
    const results: number[][] = [];
    for (const buildJobs of [1, 2, 3]) {
      const f = await compile({ inputs: [x, w], outputs, backend: new NativeBackend(), backendOptions: { cacheDir: freshDir(), buildJobs } });
      const outs = await f(xs, ws);
      results.push(outs.flatMap((o) => Array.from(o.data)));
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});
