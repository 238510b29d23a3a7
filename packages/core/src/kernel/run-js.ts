import { HypatiaError } from '../errors.js';
import type { Apply } from '../graph/apply.js';
import { NDArray, shapeSize } from '../ndarray.js';
import { typedArrayFor, type TypedArray } from '../dtype.js';
import { compileKernelJS } from './js-printer.js';
import type { BufferRef, KernelProgram } from './program.js';

/**
 * Runs a node's kernel program on host arrays with the JavaScript printer: the plan for these
 * shapes, then each launch, its outputs and scratch buffers starting as garbage. A failed check is reported as the op's error by its reference
 * semantics (the kernels carry no error text), as every backend does.
 */
export function runProgramJS(node: Apply, program: KernelProgram, inputs: readonly NDArray[]): NDArray[] {
  const operands = inputs.map((a, i) => ({ shape: a.shape, ...(program.valueInputs?.includes(i) ? { value: a } : {}) }));
  const plan = program.plan(operands);
  // Outputs and scratch start as garbage, as a backend's recycled buffers do: a kernel must write
  // every element it hands out, not rely on zeros.
  const garbage = (a: TypedArray) => a.fill(a instanceof Float32Array || a instanceof Float64Array ? NaN : 0x5a);
  const outputs = plan.outputs.map((shape, k) => new NDArray(node.outputs[k]!.dtype, [...shape], garbage(typedArrayFor(node.outputs[k]!.dtype, shapeSize(shape)))));
  const temps = (plan.temps ?? []).map((t) => garbage(typedArrayFor(t.dtype, t.size)));
  const bufferOf = (r: BufferRef): TypedArray => ('input' in r ? inputs[r.input]!.data : 'output' in r ? outputs[r.output]!.data : temps[r.temp]!);
  for (const launch of plan.launches) {
    const kernel = program.kernels[launch.kernel]!;
    const failed = compileKernelJS(kernel)(launch.buffers.map(bufferOf), launch.params);
    if (failed) {
      node.op.perform(inputs, node);
      throw new HypatiaError(node.op.name, `a run-time check of kernel ${kernel.name} failed, but the reference semantics accept these operands`, node.site);
    }
  }
  return outputs;
}
