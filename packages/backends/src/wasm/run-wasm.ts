import { HypatiaError, NDArray, dtypeOfArray, kernelKey, shapeSize, type Apply, type BufferRef, type Kernel, type KernelProgram, type TypedArray } from '@hypatia/core';
import { launchRecordBytes, writeLaunchRecord } from './launch-record.js';
import { WasmHeap } from './wasm-heap.js';
import { instantiateKernels, type WasmKernel } from './wasm-module.js';

const heap = new WasmHeap();
/** Instantiated modules by their kernels' keys: a program's kernels compile once. */
const modules = new Map<string, WasmKernel[]>();

function compiled(kernels: readonly Kernel[]): WasmKernel[] {
  const key = kernels.map(kernelKey).join('\n');
  let fns = modules.get(key);
  if (!fns) {
    fns = instantiateKernels(kernels, heap.memory);
    modules.set(key, fns);
  }
  return fns;
}

/**
 * Runs one kernel printed as WebAssembly on host arrays, in place, as compileKernelJS(k) does:
 * the arrays are copied into linear memory and the ones the kernel may write copied back.
 * Returns whether a check failed.
 */
export function runKernelWasm(k: Kernel, buffers: readonly TypedArray[], params: readonly number[]): boolean {
  buffers.forEach((b, i) => {
    const want = k.buffers[i]?.dtype;
    if (dtypeOfArray(b) !== want) throw new Error(`kernel ${k.name}: buffer ${i} is a ${dtypeOfArray(b)} array, the kernel declares ${want}`);
  });
  const [fn] = compiled([k]);
  heap.reset();
  const at = buffers.map((b) => heap.copyIn(b));
  const record = heap.alloc(launchRecordBytes(k));
  writeLaunchRecord(heap.memory.buffer, record, k, params, at);
  const failed = fn!(record) !== 0;
  buffers.forEach((b, i) => {
    if (k.buffers[i]!.access !== 'read') b.set(heap.copyOut(k.buffers[i]!.dtype, at[i]!, b.length) as never);
  });
  return failed;
}

/**
 * Runs a node's kernel program printed as WebAssembly, on host arrays: the plan for these shapes,
 * the operands copied into linear memory (outputs and scratch filled with garbage, as
 * runProgramJS's are), each launch, and the outputs copied back. A failed check is reported as the op's
 * error by its reference semantics, as every backend does.
 */
export function runProgramWasm(node: Apply, program: KernelProgram, inputs: readonly NDArray[]): NDArray[] {
  const operands = inputs.map((a, i) => ({ shape: a.shape, ...(program.valueInputs?.includes(i) ? { value: a } : {}) }));
  const plan = program.plan(operands);
  const fns = compiled(program.kernels);
  heap.reset();
  const inputAt = inputs.map((a) => heap.copyIn(a.data));
  const outputDtypes = plan.outputs.map((_, k) => node.outputs[k]!.dtype);
  const outputAt = plan.outputs.map((shape, k) => heap.allocArray(outputDtypes[k]!, shapeSize(shape)));
  const tempAt = (plan.temps ?? []).map((t) => heap.allocArray(t.dtype, t.size));
  const addressOf = (r: BufferRef): number => ('input' in r ? inputAt[r.input]! : 'output' in r ? outputAt[r.output]! : tempAt[r.temp]!);
  for (const launch of plan.launches) {
    const kernel = program.kernels[launch.kernel]!;
    const record = heap.alloc(launchRecordBytes(kernel));
    writeLaunchRecord(heap.memory.buffer, record, kernel, launch.params, launch.buffers.map(addressOf));
    let failed: number;
    try {
      failed = fns[launch.kernel]!(record);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      throw new HypatiaError(node.op.name, `kernel ${kernel.name} trapped in WebAssembly (${e.message}) with parameters [${launch.params.join(', ')}]`, node.site);
    }
    if (failed) {
      node.op.perform(inputs, node);
      throw new HypatiaError(node.op.name, `a run-time check of kernel ${kernel.name} failed, but the reference semantics accept these operands`, node.site);
    }
  }
  return plan.outputs.map((shape, k) => new NDArray(outputDtypes[k]!, [...shape], heap.copyOut(outputDtypes[k]!, outputAt[k]!, shapeSize(shape))));
}
