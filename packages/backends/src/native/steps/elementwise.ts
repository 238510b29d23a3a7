import { formulaKey, input, type DType, type ScalarExpr } from '@hypatia/core';
import { elementwiseKernelC } from '../kernels/elementwise-c.js';
import { broadcastParams, elementwiseShape } from '../kernel-params.js';
import type { KernelTable } from '../kernel-table.js';
import { family, type NativeStep } from '../step-family.js';

interface ElemwiseStep extends NativeStep { kernel: number; formula: ScalarExpr }

/** The kernel of one scalar formula on these operand dtypes (shared by equal formulas). */
export function formulaKernel(kernels: KernelTable, formula: ScalarExpr, ins: readonly DType[]): number {
  return kernels.get(`ew:${ins.join(',')}:${formulaKey(formula)}`, (name) => elementwiseKernelC(name, formula, ins, formula.dtype));
}

/** The identity formula's kernel: a strided copy. */
export function copyKernel(kernels: KernelTable, d: DType): number {
  return formulaKernel(kernels, input(0, d), [d]);
}

/** Any op with a scalar formula (fused composites included): one broadcasting C loop. */
export const elementwise = family<ElemwiseStep>({
  kind: 'elemwise',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!op.scalarFormula || node.outputs.length !== 1) return null;
    const ins = node.inputs.map((v) => v.dtype);
    const formula = op.scalarFormula(ins.map((d, i) => input(i, d)), node);
    if (formula.dtype !== node.outputs[0]!.dtype) return null;
    return { node, formula, kernel: formulaKernel(kernels, formula, ins) };
  },
  run(s, ins, ctx) {
    const shape = elementwiseShape(s.node, ins);
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, shape);
    if (out.size) ctx.launchElementwise(s.kernel, ins, out, broadcastParams(shape, ins));
    return out;
  },
});
