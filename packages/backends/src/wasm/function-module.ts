import { kernelKey, type BufferDecl, type Kernel } from '@hypatia/core';
import { encodeModule, type WasmFunction } from './wasm-encoder.js';
import { MATH_FUNCTIONS, MATH_IMPORT_DECLS, MATH_MODULE } from './wasm-math.js';
import { kernelToWasm } from './wasm-printer.js';
import { planInterpreter } from './plan-interpreter-wasm.js';
import type { LinearMemory } from './linear-memory.js';

/** What a launch of a module function binds: its integer parameters and buffers (the launch record's layout). */
export interface LaunchSignature {
  readonly name: string;
  readonly nParams: number;
  readonly buffers: readonly BufferDecl[];
}

interface Entry { signature: LaunchSignature; make: (exportName: string) => WasmFunction }

/**
 * The functions of one compiled function's module, deduplicated: IR kernels printed as
 * WebAssembly (equal kernels share one function) and hand-written routines, each a function
 * `(record) -> i32` that returns 1 when a check failed.
 */
export class WasmKernelTable {
  readonly list: Entry[] = [];
  private readonly byKey = new Map<string, number>();

  /** `spans`: IR kernels run their innermost loops in SIMD lanes where the points allow (wasm-span.ts). */
  constructor(private readonly spans = true) {}

  /** An IR kernel's function index. */
  kernel(k: Kernel): number {
    return this.get(`ir:${kernelKey(k)}`, k, (name) => kernelToWasm(k, name, { spans: this.spans }));
  }

  /** A routine's function index; `key` names it with whatever its code depends on. */
  get(key: string, signature: LaunchSignature, make: (exportName: string) => WasmFunction): number {
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.list.push({ signature, make });
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
 * as `run`.
 */
export async function buildFunctionModule(table: WasmKernelTable, memory: LinearMemory): Promise<FunctionModule> {
  const functions = table.list.map((e, i) => e.make(`k${i}`));
  const bytes = encodeModule({
    memory: memory.importDecl,
    imports: MATH_IMPORT_DECLS,
    functions: [...functions, planInterpreter(functions.length, MATH_IMPORT_DECLS.length)],
  });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory: memory.memory }, [MATH_MODULE]: MATH_FUNCTIONS });
  return {
    module,
    kernels: functions.map((_, i) => instance.exports[`k${i}`] as KernelFunction),
    run: instance.exports.run as PlanRun,
    bytes: bytes.byteLength,
  };
}
