import { createHash, randomBytes } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { checkCachedAddon, installAddon } from './cache-integrity.js';
import type { NativeOptions } from './native-options.js';

/** How to build: read from compile()'s backendOptions and the environment at compile() time. */
export interface BuildOptions {
  /** C compiler command (default $HYPATIA_CC or 'gcc'). */
  cc?: string;
  /** Code-generation flags (default -O3 -march=native -fopenmp); -shared -fPIC and the Node include dir are always added. */
  flags?: readonly string[];
  /** Where built addons are kept (default $HYPATIA_CACHE_DIR or ~/.cache/hypatia). */
  cacheDir?: string;
  /** Translation units compiled at once (default: the cores available, at most 4). */
  jobs?: number;
}

export const DEFAULT_FLAGS = ['-O3', '-march=native', '-fopenmp'] as const;

/** The toolchain cannot be used at all (no compiler, no Node headers): the 'cpu' backend falls back on this. */
export class NativeUnavailableError extends Error {}

/** The compiler ran but rejected the generated source (a bug in a kernel generator). */
export class NativeBuildError extends Error {}

/** Counters a test can read to see whether a build hit the cache. */
export const buildStats = { compilerRuns: 0, diskHits: 0, memoryHits: 0 };

export function resolveBuildOptions(o: NativeOptions): Required<BuildOptions> {
  const str = (k: 'cc' | 'cacheDir'): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const flags = Array.isArray(o.flags) ? (o.flags as unknown[]).map(String) : [...DEFAULT_FLAGS];
  return {
    cc: str('cc') ?? process.env.HYPATIA_CC ?? 'gcc',
    flags,
    cacheDir: str('cacheDir') ?? process.env.HYPATIA_CACHE_DIR ?? join(homedir(), '.cache', 'hypatia'),
    jobs: typeof o.buildJobs === 'number' && o.buildJobs >= 1 ? Math.floor(o.buildJobs) : Math.min(4, availableParallelism()),
  };
}

const probed = new Map<string, string | null>();

/** Does `cc` run? Returns null when it works, else why not. Probed once per process per command. */
export function probeCompiler(cc: string): string | null {
  if (!probed.has(cc)) {
    const r = spawnSync(cc, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    probed.set(cc, r.error ? r.error.message : r.status !== 0 ? `exited with status ${r.status}: ${r.stderr.trim().split('\n')[0]}` : null);
  }
  return probed.get(cc)!;
}

let includeDir: string | undefined;

/** Node's C headers: next to the running node first, then npm's nodedir, then the usual system places. */
export function nodeIncludeDir(): string {
  if (includeDir) return includeDir;
  const has = (d: string): boolean => existsSync(join(d, 'node_api.h'));
  const candidates = [resolve(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  let found = candidates.find(has);
  if (!found) {
    const r = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8', timeout: 20_000 });
    const d = r.status === 0 ? r.stdout.trim() : '';
    if (d && d !== 'undefined' && has(join(d, 'include', 'node'))) found = join(d, 'include', 'node');
  }
  if (!found) {
    throw new NativeUnavailableError(`cannot find Node's C headers (node_api.h); looked in ${candidates.join(', ')} and npm's nodedir. Install the Node development headers (e.g. the nodejs-dev package)`);
  }
  return (includeDir = found);
}

const loaded = new Map<string, unknown>();

/** What a build listener hears: the C compiler is about to run (a cache miss) for the addon at `path`. */
export interface NativeBuildEvent {
  path: string;
  /** Translation units compiled in parallel. */
  units: number;
}

const buildListeners = new Set<(e: NativeBuildEvent) => void>();

/**
 * Be told each time a build runs the C compiler (never on a cache hit), say to tell the user that
 * the first run compiles kernels. Returns the function that stops listening.
 */
export function onNativeBuild(listener: (e: NativeBuildEvent) => void): () => void {
  buildListeners.add(listener);
  return () => { buildListeners.delete(listener); };
}

/**
 * Build a C source into a Node-API addon and load it. The built file is cached on disk under a
 * hash of everything that affects it, so identical graphs build once across runs. Each build
 * compiles in a private temporary directory and renames the addon into place, which is atomic, so
 * concurrent processes never see a half-written addon and need no lock; the addon's size and
 * sha256 are recorded beside it, and a cached addon that does not match its record (a crash or a
 * full disk mid-write) is rebuilt, never loaded: dlopen of a truncated file kills the process.
 */
export async function buildAddon<T>(sources: string | readonly string[], opts: Required<BuildOptions>): Promise<{ exports: T; path: string }> {
  const why = probeCompiler(opts.cc);
  if (why) {
    throw new NativeUnavailableError(`the C compiler '${opts.cc}' cannot be run (${why}). Install gcc or clang, or name one with backendOptions.cc or $HYPATIA_CC, or use the 'reference' backend`);
  }
  const inc = nodeIncludeDir();
  // Node-API symbols resolve against the running node; macOS linkers must be told to allow that.
  const args = [...opts.flags, '-shared', '-fPIC', ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []), `-I${inc}`];
  // The CPU model is part of the key: -march=native code from one machine may not run on another
  // that shares the cache directory.
  const units = typeof sources === 'string' ? [sources] : [...sources];
  const key = createHash('sha256')
    .update([units.join('\0\0'), opts.cc, args.join(' '), process.versions.napi, process.platform, process.arch, cpus()[0]?.model ?? ''].join('\0'))
    .digest('hex').slice(0, 32);
  const path = join(opts.cacheDir, `hypatia-${key}.node`);
  const inMemory = loaded.get(path);
  if (inMemory) {
    buildStats.memoryHits++;
    return { exports: inMemory as T, path };
  }
  const rebuild = async (damage: string): Promise<void> => {
    console.warn(`hypatia: the cached native addon ${path} is damaged (${damage}); rebuilding it`);
    await compileTo(units, path, opts.cc, args);
  };
  const state = checkCachedAddon(path);
  const cached = state === 'ok';
  if (cached) buildStats.diskHits++;
  else if (state === 'absent') await compileTo(units, path, opts.cc, args);
  else await rebuild(state);
  setOpenMpDefaults(process.env);
  let exports: T;
  try {
    exports = load<T>(path);
  } catch (e) {
    if (!cached) throw new NativeUnavailableError(`the addon built at ${path} does not load: ${(e as Error).message}`);
    await rebuild(`it does not load: ${(e as Error).message}`);
    exports = load<T>(path);
  }
  loaded.set(path, exports);
  return { exports, path };
}

/**
 * How the OpenMP team waits, set before the first addon loads libgomp (which reads it then). An idle
 * thread spins for 10,000 pauses (0.1-0.45 ms on the 2-vCPU VM we measure on), then sleeps: the
 * launches of a training step hand work over in microseconds, where waking a sleeping thread took
 * 20-30 us of the caller's time and as much again before the thread ran (every launch, twice), and
 * no thread spins for long on a core another process wants. Even so, spinning made two threads
 * 1.4-4.7x slower than one when another process held a core, so kernels also back off the team
 * while their launches show one busy (kernels/team-backoff-c.ts). A wait policy the user set is
 * left as it is.
 */
export function setOpenMpDefaults(env: Record<string, string | undefined>): void {
  if (env.OMP_WAIT_POLICY !== undefined) return;
  env.OMP_WAIT_POLICY = 'PASSIVE';
  env.GOMP_SPINCOUNT ??= '10000';
}

function load<T>(path: string): T {
  const mod = { exports: {} as T };
  process.dlopen(mod, path);
  return mod.exports;
}

/**
 * Compile the units into the addon at `path`. Everything is built in a private directory under
 * file names that depend only on the addon's key, so concurrent builds of one source write
 * identical bytes and whichever record lands last matches whichever addon did.
 */
async function compileTo(units: readonly string[], path: string, cc: string, args: readonly string[]): Promise<void> {
  const stem = basename(path, '.node');
  const work = join(dirname(path), `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const cFile = path.replace(/\.node$/, '.c');
  const cOf = (i: number) => (units.length === 1 ? `${stem}.c` : `${stem}-${i}.c`);
  const oOf = (i: number) => `${stem}-${i}.o`;
  try {
    mkdirSync(work, { recursive: true });
    units.forEach((u, i) => writeFileSync(join(work, cOf(i)), u));
  } catch (e) {
    removeWorkDir(work);
    throw new NativeUnavailableError(`cannot write to the kernel cache ${dirname(path)} (${(e as Error).message}); set backendOptions.cacheDir or $HYPATIA_CACHE_DIR`);
  }
  buildStats.compilerRuns++;
  for (const listener of buildListeners) listener({ path, units: units.length });
  const built = `${stem}.node`;
  try {
    if (units.length === 1) await run(cc, [...args, '-o', built, cOf(0), '-lm'], work, cFile);
    else {
      // One compiler per unit, all at once, then one link.
      await Promise.all(units.map((_, i) => run(cc, [...args, '-c', '-o', oOf(i), cOf(i)], work, cFile)));
      await run(cc, [...args, '-o', built, ...units.map((_, i) => oOf(i)), '-lm'], work, cFile);
    }
    installAddon(join(work, built), path, join(work, 'record'));
  } finally {
    // Keep the source beside the addon for anyone who wants to read what ran (or failed to build).
    try {
      writeFileSync(cFile, units.length === 1 ? units[0]! : units.map((u, i) => `/* ---- translation unit ${i} (${cOf(i)}) ---- */\n${u}`).join('\n'));
    } catch { /* reading aid only */ }
    removeWorkDir(work);
  }
}

function removeWorkDir(work: string): void {
  try {
    rmSync(work, { recursive: true, force: true });
  } catch { /* never created (the cache directory could not be made) */ }
}

function run(cc: string, argv: readonly string[], cwd: string, cFile: string): Promise<void> {
  return new Promise<void>((ok, fail) => {
    execFile(cc, argv, { cwd, maxBuffer: 16 << 20 }, (err, _out, stderr) => {
      if (err) fail(new NativeBuildError(`${cc} failed to build the generated kernels (${cFile}):\n${stderr.split('\n').slice(0, 30).join('\n')}`));
      else ok();
    });
  });
}
