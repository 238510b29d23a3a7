import type { Kernel } from '@hypatia/core';
import { encodeModule, type MemoryImport } from './wasm-encoder.js';
import { MATH_FUNCTIONS, MATH_IMPORT_DECLS, MATH_MODULE } from './wasm-math.js';
import { kernelToWasm } from './wasm-printer.js';

/**
 * A module of printed kernels: it imports the linear memory their buffers live in and the math
 * functions (first, so their indices are fixed), and exports kernel i as `k{i}`.
 */
export const MEMORY_IMPORT: MemoryImport = { module: 'env', name: 'memory', minPages: 1 };

export function kernelsModule(kernels: readonly Kernel[]): Uint8Array<ArrayBuffer> {
  return encodeModule({
    memory: MEMORY_IMPORT,
    imports: MATH_IMPORT_DECLS,
    functions: kernels.map((k, i) => kernelToWasm(k, `k${i}`)),
  });
}

/** A kernel function: given its launch record's address, runs the launch and returns 1 when a check failed. */
export type WasmKernel = (record: number) => number;

/** Compiles and instantiates the kernels against `memory`; kernel i is the i-th function returned. */
export function instantiateKernels(kernels: readonly Kernel[], memory: WebAssembly.Memory): WasmKernel[] {
  const module = new WebAssembly.Module(kernelsModule(kernels));
  const instance = new WebAssembly.Instance(module, { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: memory }, [MATH_MODULE]: MATH_FUNCTIONS });
  return kernels.map((_, i) => instance.exports[`k${i}`] as WasmKernel);
}
