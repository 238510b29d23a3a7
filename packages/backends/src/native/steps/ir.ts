import { Elemwise, HypatiaError, kernelKey, type BufferRef, type KernelProgram, type NDArray, type TypedArray } from '@hypatia/core';
import { kernelToC } from '../c-printer.js';
import { family, type NativeStep } from '../step-family.js';

interface IrStep extends NativeStep { program: KernelProgram; kernels: number[] }

/**
 * Any node whose op gives kernels in the IR (and no routine took it): the kernels printed as C
 * once per compiled function, and each call the op's plan for the operands' shapes, its outputs
 * allocated and its launches made. Planned-from values are checked again by a replay, and a failed
 * check in a kernel raises the op's own error from its reference semantics.
 */
export const irKernels = family<IrStep>({
  kind: 'kernels',
  output: 'kernel',
  plan(node, table) {
    const program = node.op.kernels?.(node);
    if (!program) return null;
    const kernels = program.kernels.map((k) => table.get(`ir:${kernelKey(k)}`, (name) => kernelToC(k, name), { checked: true }));
    return { node, program, kernels, kernel: kernels[0] };
  },
  run(s, ins, ctx) {
    const valueInputs = s.program.valueInputs ?? [];
    if (valueInputs.length) ctx.same(valueInputs.map((i) => ins[i]!));
    const plan = s.program.plan(ins.map((a, i) => ({ shape: a.shape, ...(valueInputs.includes(i) ? { value: a } : {}) })));
    const outs = plan.outputs.map((shape, k) => ctx.allocate(s.node, s.node.outputs[k]!.dtype, shape, k));
    const temps = (plan.temps ?? []).map((t) => ctx.scratch(t.dtype, t.size));
    const data = (r: BufferRef): TypedArray => ('input' in r ? ins[r.input]!.data : 'output' in r ? outs[r.output]!.data : temps[r.temp]!);
    // An elementwise node's launch is marked as such, so an update it makes may be written in place.
    const elementwise = s.node.op instanceof Elemwise && plan.launches.length === 1;
    for (const l of plan.launches) {
      const params = Float64Array.from(l.params);
      if (elementwise) {
        ctx.launchElementwise(s.kernels[l.kernel]!, ins, outs[0]!, params);
        continue;
      }
      if (ctx.launch(s.kernels[l.kernel]!, l.buffers.map(data), params)) failed(s, ins);
    }
    return outs;
  },
  note: (s) => `(${s.program.kernels.map((k) => k.name).join(', ')})`,
});

/** A kernel's check failed: the reference semantics raise the op's error for these operands. */
function failed(s: IrStep, ins: readonly NDArray[]): never {
  s.node.op.perform(ins, s.node);
  throw new HypatiaError(s.node.op.name, 'a run-time check in its kernels failed, but its reference semantics accept these operands', s.node.site);
}
