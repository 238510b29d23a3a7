import { JS_HELPERS } from '@hypatia/core';
import type { LinearMemory } from './linear-memory.js';
import { MATH_IMPORTS } from './wasm-math.js';
import { ForkBackoff } from './fork-backoff.js';

/**
 * Worker threads that run shares of a launch in the one shared linear memory: `worker_threads` in
 * Node, Web Workers in a cross-origin isolated page. Every compiled function's module is
 * instantiated in each worker too (`add`). A launch big enough (wasm-fork.ts) calls `fork` from
 * WebAssembly: the job is written to a control block in linear memory, the workers woken with
 * Atomics.notify, this thread runs share 0 while worker i runs share i, then it spins until every
 * worker has counted itself done (a page's main thread may not block). Workers wait on the control
 * block in a synchronous loop, so a wake costs a futex, not a trip through an event loop; to take
 * a new module a worker is told to leave the loop, and forks run on this thread alone meanwhile.
 */

/** The control block, in i32 words. */
const [GEN, OP, MODULE, KERNEL, RECORD, PARTS, AXIS, DONE, FAILED] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const CONTROL_BYTES = 64;
const [RUN, LEAVE] = [1, 2];
/** FAILED's bits: a share's check failed, a share trapped. */
const [CHECK, TRAP] = [1, 2];

/** What the pool needs of a worker, in Node and in a browser alike. */
export interface WorkerLike {
  postMessage(m: unknown): void;
  /** Calls `f` with the worker's next message, or `fail` if the worker fails first (it cannot start, it ends). */
  onMessage(f: (m: unknown) => void, fail: (e: Error) => void): void;
}

/** The worker's program: a string, so it needs no file of its own to be found (Node's eval worker, a page's Blob URL). */
const WORKER_SOURCE = `
const port = typeof process === 'object' && process.getBuiltinModule ? process.getBuiltinModule('node:worker_threads').parentPort : self;
const listen = (f) => port.on ? port.on('message', f) : (port.onmessage = (e) => f(e.data));
const erf = (() => { ${JS_HELPERS}\nreturn erf; })();
const math = { ${MATH_IMPORTS.map((n) => (n === 'erf' ? 'erf' : `${n}: Math.${n}`)).join(', ')} };
const fork = () => { throw new Error('a worker does not fork'); };
let memory, ctl, index, seen = 0;
const walks = new Map();
function loop() {
  for (;;) {
    Atomics.wait(ctl, ${GEN}, seen);
    const gen = Atomics.load(ctl, ${GEN});
    if (gen === seen) continue;
    seen = gen;
    if (ctl[${OP}] === ${LEAVE}) { Atomics.add(ctl, ${DONE}, 1); return; }
    try {
      if (index < ctl[${PARTS}] && walks.get(ctl[${MODULE}])[ctl[${KERNEL}]](ctl[${RECORD}], index, ctl[${PARTS}], ctl[${AXIS}])) Atomics.or(ctl, ${FAILED}, ${CHECK});
    } catch (e) {
      Atomics.or(ctl, ${FAILED}, ${TRAP});
    }
    Atomics.add(ctl, ${DONE}, 1);
  }
}
listen((m) => {
  if (m.kind === 'start') {
    memory = m.memory; index = m.index; ctl = new Int32Array(memory.buffer, m.control, ${CONTROL_BYTES / 4});
    seen = Atomics.load(ctl, ${GEN});
  } else {
    const exports = new WebAssembly.Instance(m.module, { env: { memory }, math, threads: { fork } }).exports;
    walks.set(m.id, m.kernels.map((k) => exports[k]));
  }
  port.postMessage('ready');
  loop();
});
`;

const now = () => performance.now();

/** A kernel's walk of one share of its points: (record, part, parts, axis) -> failed. */
export type Walk = (record: number, part: number, parts: number, axis: number) => number;

export class ThreadPool {
  private readonly ctl: Int32Array;
  private nextModule = 0;
  /** Forks run on this thread alone while workers take a new module, and for good once a worker failed. */
  private away = false;
  private failed = false;
  /** The walks of every module added, by module id (this thread's instances), and when to share their launches (null: always). */
  private readonly modules = new Map<number, { walks: readonly Walk[]; backoff: ForkBackoff | null }>();

  private constructor(private readonly memory: LinearMemory, private readonly workers: readonly WorkerLike[]) {
    const at = memory.alloc(CONTROL_BYTES);
    memory.write(at, new Int32Array(CONTROL_BYTES / 4));
    this.ctl = new Int32Array(memory.buffer, at, CONTROL_BYTES / 4);
    this.controlAt = at;
  }

  private readonly controlAt: number;

  private scratch = { at: 0, bytes: 0 };

  /**
   * The address of a scratch block for each worker, `bytes` apiece (worker i's at the address plus
   * (i - 1) · bytes), for routines whose shares need scratch of their own. Forks never overlap, so
   * every module shares the blocks; a larger request gets new ones.
   */
  workerScratch(bytes: number): number {
    if (bytes > this.scratch.bytes) this.scratch = { at: this.memory.alloc(Math.max(1, this.workers.length) * bytes), bytes };
    return this.scratch.at;
  }

  /** Launches shared between the threads so far. */
  forks = 0;

  /** Threads in all: the workers and this one. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** A pool of `threads - 1` workers over `memory`, started and waiting. */
  static async start(memory: LinearMemory, threads: number, spawn: () => WorkerLike): Promise<ThreadPool> {
    const pool = new ThreadPool(memory, Array.from({ length: threads - 1 }, spawn));
    await pool.each((w, index) => ({ kind: 'start', memory: memory.memory, control: pool.controlAt, index: index + 1 }));
    return pool;
  }

  /** Instantiates a function's module in every worker; `kernels` names its walk exports by kernel id. */
  async add(module: WebAssembly.Module, kernels: readonly string[], walks: (k: number) => Walk, backOff = true): Promise<number> {
    const id = this.nextModule++;
    this.modules.set(id, { walks: kernels.map((_, k) => walks(k)), backoff: backOff ? new ForkBackoff() : null });
    if (this.failed) return id;
    this.away = true;
    try {
      this.post(LEAVE, 0, 0, 0, 0, 0);
      this.waitDone();
      await this.each(() => ({ kind: 'module', id, module, kernels }));
      this.away = false;
    } catch (e) {
      this.failed = true;
      console.warn(`hypatia: the wasm backend runs on one thread from now on: a worker thread failed (${(e as Error).message})`);
    }
    return id;
  }

  /**
   * Runs kernel `kernel` of module `id` on `record`, one share of space axis `axis` per thread
   * (or all of it here, while the module's back-off declines: fork-backoff.ts); returns 1 when a
   * share's check failed.
   */
  fork(id: number, kernel: number, record: number, axis: number): number {
    const { walks, backoff } = this.modules.get(id)!;
    const walk = walks[kernel]!;
    if (this.away || (backoff && !backoff.share(kernel, now))) return walk(record, 0, 1, axis);
    const parts = this.threads;
    this.forks++;
    this.post(RUN, id, kernel, record, parts, axis);
    let failed = 0;
    const start = now();
    let mine = start;
    try {
      failed = walk(record, 0, parts, axis);
      mine = now();
    } finally {
      this.waitDone();
    }
    if (backoff) {
      const end = now();
      backoff.record(kernel, parts, mine - start, end - mine, end);
    }
    const flags = Atomics.load(this.ctl, FAILED);
    if (flags & TRAP) throw new WebAssembly.RuntimeError(`a worker thread trapped in kernel ${kernel}`);
    return failed | (flags & CHECK);
  }

  private post(op: number, id: number, kernel: number, record: number, parts: number, axis: number): void {
    const c = this.ctl;
    c[AXIS] = axis;
    c[OP] = op;
    c[MODULE] = id;
    c[KERNEL] = kernel;
    c[RECORD] = record;
    c[PARTS] = parts;
    Atomics.store(c, DONE, 0);
    Atomics.store(c, FAILED, 0);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
  }

  /** Spins until every worker has counted itself done: a page's main thread may not block. */
  private waitDone(): void {
    const n = this.workers.length;
    while (Atomics.load(this.ctl, DONE) < n) { /* spin */ }
  }

  /** Sends each worker a message and waits until each has answered 'ready'. */
  private each(message: (w: WorkerLike, index: number) => unknown): Promise<void> {
    return Promise.all(this.workers.map((w, i) => new Promise<void>((ok, fail) => {
      w.onMessage(() => ok(), fail);
      w.postMessage(message(w, i));
    }))).then(() => undefined);
  }
}

/** How many threads this host can run and how to start a worker, or why there is only one. */
export function threadHost(): { cores: number; spawn: () => WorkerLike } | { reason: string } {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };
    crossOriginIsolated?: boolean;
    navigator?: { hardwareConcurrency?: number };
    Worker?: new (url: string) => { postMessage(m: unknown): void; onmessage: ((e: { data: unknown }) => void) | null; onerror: ((e: { message?: string }) => void) | null };
    Blob?: typeof Blob;
    URL?: typeof URL;
  };
  if (g.process?.versions?.node) {
    const wt = g.process.getBuiltinModule?.('node:worker_threads') as
      | { Worker: new (code: string, o: { eval: true; execArgv: string[] }) => { postMessage(m: unknown): void; on(e: 'message' | 'error' | 'exit', f: (m: unknown) => void): void; off(e: 'message', f: (m: unknown) => void): void; ref(): void; unref(): void } }
      | undefined;
    const os = g.process.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
    if (!wt || !os?.availableParallelism) return { reason: `this Node (${g.process.versions.node}) has no process.getBuiltinModule (Node 20.16 or later)` };
    return {
      cores: os.availableParallelism(),
      spawn: () => {
        // The parent's flags (a loader, --input-type) are not the worker's business.
        const w = new wt.Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
        let last: ((m: unknown) => void) | null = null;
        let lastFail: (e: Error) => void = () => {};
        w.on('error', (e) => lastFail(e as Error));
        w.on('exit', (code) => lastFail(new Error(`the worker ended (exit code ${code as number})`)));
        return {
          postMessage: (m) => w.postMessage(m),
          // A worker keeps the process alive only while an answer is awaited, not while it waits for work.
          onMessage: (f, fail) => {
            if (last) w.off('message', last);
            last = (m) => {
              w.unref();
              f(m);
            };
            lastFail = fail;
            w.on('message', last);
            w.ref();
          },
        };
      },
    };
  }
  if (!g.crossOriginIsolated) return { reason: 'this page is not cross-origin isolated (its server sends no COOP/COEP headers), so it cannot share memory with worker threads' };
  if (!g.Worker || !g.Blob || !g.URL) return { reason: 'this context cannot start Web Workers' };
  const url = g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  return {
    cores: g.navigator?.hardwareConcurrency ?? 1,
    spawn: () => {
      const w = new g.Worker!(url);
      return {
        postMessage: (m) => w.postMessage(m),
        onMessage: (f, fail) => {
          w.onmessage = (e) => f(e.data);
          w.onerror = (e) => fail(new Error(e.message ?? 'the worker failed to start'));
        },
      };
    },
  };
}

let host: ReturnType<typeof threadHost> | null = null;
let pool: Promise<ThreadPool | null> | null = null;

/**
 * The process's pool for a function compiled with `threads` (default: every core), or null for one
 * thread. The first function that starts the pool sets its size for the process; where workers
 * cannot run, every function runs on one thread, which is said once.
 */
export function threadPoolFor(memory: LinearMemory, threads: number | undefined): Promise<ThreadPool | null> {
  if (threads === 1) return Promise.resolve(null);
  if (!host) {
    host = memory.shared ? threadHost() : { reason: 'this engine cannot share a WebAssembly memory between threads' };
    if ('reason' in host) console.warn(`hypatia: the wasm backend runs on one thread: ${host.reason}`);
  }
  if ('reason' in host) return Promise.resolve(null);
  const n = threads ?? host.cores;
  if (n <= 1) return Promise.resolve(null);
  pool ??= ThreadPool.start(memory, n, host.spawn).catch((e: Error) => {
    console.warn(`hypatia: the wasm backend runs on one thread: its worker threads did not start (${e.message})`);
    return null;
  });
  return pool;
}
