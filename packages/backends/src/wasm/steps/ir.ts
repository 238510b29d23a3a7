import { Elemwise, HypatiaError, type BufferRef, type KernelProgram } from '@hypatia/core';
import { sameKernel } from '../replay-checks.js';
import { Block, wasmFamily, type WasmRunContext, type WasmStep, type WasmTensor } from '../wasm-step.js';

interface IrStep extends WasmStep { program: KernelProgram; kernels: number[]; same: number[] }

/**
 * Any node whose op gives kernels in the IR (and no routine took it): the kernels printed into the
 * function's module once, and each call the op's plan for the operands' shapes, its outputs
 * allocated and its launches made. The values a plan read (valueInputs) are checked again by a
 * replay; a failed check in a kernel raises the op's own error from its reference semantics.
 */
export const irKernels = wasmFamily<IrStep>({
  kind: 'kernels',
  output: 'kernel',
  plan(node, table) {
    const program = node.op.kernels?.(node);
    if (!program) return null;
    const same = (program.valueInputs ?? []).map((i) => table.kernel(sameKernel(node.inputs[i]!.dtype)));
    return { node, program, kernels: program.kernels.map((k) => table.kernel(k)), same };
  },
  run(s, ins, ctx) {
    const valueInputs = s.program.valueInputs ?? [];
    if (valueInputs.length) ctx.same(valueInputs.map((i) => ins[i]!), s.same);
    return runProgram(s, s.program, ins, ctx, (i) => valueInputs.includes(i));
  },
  note: (s) => `(${s.program.kernels.map((k) => k.name).join(', ')})`,
});

/** A program's plan for these operands, its outputs and scratch allocated, and its launches made. */
export function runProgram(s: { node: IrStep['node']; kernels: readonly number[] }, program: KernelProgram, ins: readonly WasmTensor[], ctx: WasmRunContext, valued: (i: number) => boolean): WasmTensor[] {
  const plan = program.plan(ins.map((a, i) => ({ shape: a.shape, ...(valued(i) ? { value: ctx.value(a) } : {}) })));
  const outs = plan.outputs.map((shape, k) => ctx.allocate(s.node, s.node.outputs[k]!.dtype, shape, k));
  const temps = (plan.temps ?? []).map((t) => ctx.scratch(t.dtype, t.size));
  const block = (r: BufferRef): Block => ('input' in r ? ins[r.input]!.block : 'output' in r ? outs[r.output]!.block : temps[r.temp]!);
  // An elementwise node's launch is marked as such, so an update it makes may be written in place.
  const elementwise = s.node.op instanceof Elemwise && plan.launches.length === 1;
  for (const l of plan.launches) {
    if (elementwise) {
      ctx.launchElementwise(s.kernels[l.kernel]!, ins, outs[0]!, l.params);
      continue;
    }
    if (ctx.launch(s.kernels[l.kernel]!, l.buffers.map(block), l.params)) {
      const hostIns = ins.map((a) => ctx.value(a));
      s.node.op.perform(hostIns, s.node);
      throw new HypatiaError(s.node.op.name, 'a run-time check in its kernels failed, but its reference semantics accept these operands', s.node.site);
    }
  }
  return outs;
}
