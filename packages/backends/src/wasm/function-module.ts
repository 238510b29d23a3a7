import { kernelKey, type BufferDecl, type Kernel } from '@hypatia/core';
import { encodeModule, type WasmFunction } from './wasm-encoder.js';
import { MATH_FUNCTIONS, MATH_IMPORT_DECLS, MATH_MODULE } from './wasm-math.js';
import { kernelToWasm, walkToWasm } from './wasm-printer.js';
import { planInterpreter } from './plan-interpreter-wasm.js';
import type { LinearMemory } from './linear-memory.js';
import { FORK_IMPORT, forkable, forkEntry, parMinOverride } from './wasm-fork.js';
import type { ThreadPool, Walk } from './wasm-threads.js';

/** What a launch of a module function binds: its integer parameters and buffers (the launch record's layout). */
export interface LaunchSignature {
  readonly name: string;
  readonly nParams: number;
  readonly buffers: readonly BufferDecl[];
}

/**
 * A hand-written routine that can share its launches between threads: its walk of one share (the
 * pool's Walk, packing into its own block of `scratchBytes` at `workerScratch` on worker threads)
 * and its entry, which decides from its launch whether to call `fork` (function `forkIndex`) with
 * its own function index `id` or run the walk (function `walkIndex`) whole.
 */
export interface ForkableRoutine {
  readonly scratchBytes: number;
  walk(workerScratch: number, exportName: string): WasmFunction;
  entry(id: number, walkIndex: number, forkIndex: number, exportName: string): WasmFunction;
}

interface Entry { signature: LaunchSignature; make: (exportName: string) => WasmFunction; kernel?: Kernel; forkable?: ForkableRoutine }

/**
 * The functions of one compiled function's module, deduplicated: IR kernels printed as
 * WebAssembly (equal kernels share one function) and hand-written routines, each a function
 * `(record) -> i32` that returns 1 when a check failed.
 */
export class WasmKernelTable {
  readonly list: Entry[] = [];
  private readonly byKey = new Map<string, number>();

  /** `spans`: IR kernels run their innermost loops in SIMD lanes where the points allow (wasm-span.ts). */
  constructor(readonly spans = true) {}

  /** An IR kernel's function index. */
  kernel(k: Kernel): number {
    const i = this.get(`ir:${kernelKey(k)}`, k, (name) => kernelToWasm(k, name, { spans: this.spans }));
    this.list[i]!.kernel = k;
    return i;
  }

  /** A routine's function index; `key` names it with whatever its code depends on. */
  get(key: string, signature: LaunchSignature, make: (exportName: string) => WasmFunction, forkable?: ForkableRoutine): number {
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.list.push({ signature, make, ...(forkable ? { forkable } : {}) });
      this.byKey.set(key, i);
    }
    return i;
  }

  signature(i: number): LaunchSignature {
    return this.list[i]!.signature;
  }
}

/** A kernel function: given its launch record's address, runs the launch and returns 1 when a check failed. */
export type KernelFunction = (record: number) => number;
/** The plan interpreter: run(table, pc, end) -> 0, or 1 + the index of the instruction whose check failed. */
export type PlanRun = (table: number, pc: number, end: number) => number;

export interface FunctionModule {
  readonly module: WebAssembly.Module;
  readonly kernels: readonly KernelFunction[];
  readonly run: PlanRun;
  readonly bytes: number;
}

/**
 * One module for a compiled function: it imports the shared linear memory and the math functions
 * (first, so their indices are fixed), and exports each kernel as `k{i}` and the plan interpreter
 * as `run`. With a thread pool it also imports `fork`, each forkable IR kernel's `k{i}` decides
 * from its launch whether to share it (wasm-fork.ts), its walk of a share is exported as `w{i}`,
 * and the module is instantiated in every worker.
 */
export async function buildFunctionModule(table: WasmKernelTable, memory: LinearMemory, pool: ThreadPool | null = null): Promise<FunctionModule> {
  const imports = pool ? [...MATH_IMPORT_DECLS, FORK_IMPORT] : MATH_IMPORT_DECLS;
  const n = table.list.length;
  const shared = pool ? table.list.flatMap((e, i) => ((e.kernel && forkable(e.kernel)) || e.forkable ? [i] : [])) : [];
  const walkIndex = new Map(shared.map((i, j) => [i, imports.length + n + 1 + j]));
  const forkIndex = MATH_IMPORT_DECLS.length;
  const functions = table.list.map((e, i) => {
    const w = walkIndex.get(i);
    if (w === undefined) return e.make(`k${i}`);
    return e.forkable ? e.forkable.entry(i, w, forkIndex, `k${i}`) : forkEntry(e.kernel!, i, pool!.threads, w, forkIndex, `k${i}`);
  });
  const walks = shared.map((i) => {
    const e = table.list[i]!;
    return e.forkable ? e.forkable.walk(pool!.workerScratch(e.forkable.scratchBytes), `w${i}`) : walkToWasm(e.kernel!, `w${i}`, { spans: table.spans });
  });
  const bytes = encodeModule({
    memory: memory.importDecl,
    imports,
    functions: [...functions, planInterpreter(n, imports.length), ...walks],
  });
  const module = await WebAssembly.compile(bytes);
  let fork: (kernel: number, record: number, axis: number) => number = () => {
    throw new Error('wasm: a kernel forked before its module was shared with the workers');
  };
  const instance = await WebAssembly.instantiate(module, {
    env: { memory: memory.memory }, [MATH_MODULE]: MATH_FUNCTIONS, threads: { fork: (k: number, r: number, a: number) => fork(k, r, a) },
  });
  if (pool && shared.length) {
    const names = Array.from({ length: n }, (_, i) => (walkIndex.has(i) ? `w${i}` : ''));
    // With HYPATIA_WASM_PAR_MIN set every launch that reaches it is shared, however it goes.
    const id = await pool.add(module, names, (i) => instance.exports[`w${i}`] as Walk, parMinOverride() === null);
    fork = (k, r, a) => pool.fork(id, k, r, a);
  }
  return {
    module,
    kernels: functions.map((_, i) => instance.exports[`k${i}`] as KernelFunction),
    run: instance.exports.run as PlanRun,
    bytes: bytes.byteLength,
  };
}
