import type { Apply } from '@hypatia/core';
import type { WasmKernelTable } from '../function-module.js';
import { GEMM_SCRATCH_BYTES, gemmForkEntry, gemmRoutine, gemmSignature, gemmWalk } from '../routines/gemm-wasm.js';
import { relaxedSimdAvailable } from '../wasm-features.js';

/** The float dtype every operand and the result share, or null (int32 and mixed products run their IR kernels). */
export function sameFloatDtype(node: Apply, arity = node.inputs.length): 'float32' | 'float64' | null {
  const d = node.outputs[0]!.dtype;
  return (d === 'float32' || d === 'float64') && node.inputs.slice(0, arity).every((v) => v.dtype === d) ? d : null;
}

/** The gemm routine of a dtype in this function's module. */
export function gemmFunction(table: WasmKernelTable, d: 'float32' | 'float64'): number {
  const relaxed = relaxedSimdAvailable();
  return table.get(`gemm:${d}:${relaxed}`, gemmSignature(d), (name) => gemmRoutine(d, relaxed, name), {
    scratchBytes: GEMM_SCRATCH_BYTES,
    walk: (workerScratch, name) => gemmWalk(d, relaxed, workerScratch, name),
    entry: (id, walkIndex, forkIndex, name) => gemmForkEntry(d, id, walkIndex, forkIndex, name),
  });
}
