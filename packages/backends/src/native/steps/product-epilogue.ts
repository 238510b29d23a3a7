import { formulaKey } from '@hypatia/core';
import { Conv2d, Dot, MatMul, ProductEpilogue } from '@hypatia/ops';
import { conv2dKernelsC } from '../kernels/conv2d-c.js';
import { epiloguePassKernelC, gemmKernelC } from '../kernels/gemm-c.js';
import { gemmEpilogueOf, runProductEpilogue } from '../run-products.js';
import { family, type NativeStep } from '../step-family.js';
import { gemmKernel } from './products.js';

interface EpilogueStep extends NativeStep { kernel: number; pass: number | null }

/**
 * A product with a fused elementwise epilogue (the product_epilogue rewrite): dot and matmul run
 * the gemm kernel built with the formula applied to each finished tile; conv2d runs its kernel
 * and then the epilogue pass over its output. run-products.ts has the run-time geometry.
 */
export const productEpilogue = family<EpilogueStep>({
  kind: 'product_epilogue',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof ProductEpilogue)) return null;
    const d = node.outputs[0]!.dtype;
    const productIns = node.inputs.slice(0, op.productArity);
    if ((d !== 'float32' && d !== 'float64') || op.formula.dtype !== d || !productIns.every((v) => v.dtype === d)) return null;
    const epi = gemmEpilogueOf(op);
    const key = `${d}:${op.formulaDtypes.join(',')}:${op.productInput}:${formulaKey(op.formula)}`;
    if (op.product instanceof Conv2d) {
      const gemm = gemmKernel(kernels, d);
      const kernel = kernels.get(`conv2d_forward:${d}`, (name) => conv2dKernelsC(name, d, kernels.list[gemm]!.name, 'forward'));
      return { node, kernel, pass: kernels.get(`epilogue_pass:${key}`, (name) => epiloguePassKernelC(name, d, epi)) };
    }
    if (!(op.product instanceof Dot || op.product instanceof MatMul)) return null;
    return { node, kernel: kernels.get(`gemm_epilogue:${key}`, (name) => gemmKernelC(name, d, epi)), pass: null };
  },
  run(s, ins, ctx) {
    const dtype = s.node.outputs[0]!.dtype;
    return runProductEpilogue(s.node, ins, (shape) => ctx.allocate(s.node, dtype, shape), (part, buffers, params) => ctx.launch(part === 'product' ? s.kernel : s.pass!, buffers, params));
  },
});
