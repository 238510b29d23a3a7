import { Composite, type KernelProgram } from '@hypatia/core';
import { Conv2d, Dot, MatMul, ProductEpilogue } from '@hypatia/ops';
import { gemmParams } from '../../native/kernel-params.js';
import { forEachBatch, productGeometry, type ProductGeometry } from '../../native/product-geometry.js';
import type { WasmKernelTable } from '../function-module.js';
import { gemmScratchElements } from '../routines/gemm-wasm.js';
import { gemmFunction, sameFloatDtype } from './gemm-function.js';
import { wasmFamily, type Block, type WasmRunContext, type WasmStep, type WasmTensor } from '../wasm-step.js';
import { planConv, runConvRoutine, type ConvRoutine } from './conv.js';

/** One gemm launch per batch matrix, into `out`. */
function launchGemm(ctx: WasmRunContext, gemm: number, d: 'float32' | 'float64', g: ProductGeometry, a: Block, b: Block, out: Block): void {
  const scratch = ctx.scratch(d, gemmScratchElements(d));
  forEachBatch(g.batch, g.sa, g.sb, (t, oa, ob) => ctx.launch(gemm, [a, b, out, scratch], [...gemmParams(g.A, g.B, oa, ob, t * g.A.rows * g.B.cols), 0]));
}

interface ProductStep extends WasmStep { op: Dot | MatMul; gemm: number; dtype: 'float32' | 'float64' }

/** Float Dot and MatMul through the SIMD gemm routine; int32 and mixed products run their IR kernels. */
export const products = wasmFamily<ProductStep>({
  kind: 'product',
  output: 'kernel',
  plan(node, table) {
    const op = node.op;
    if (!(op instanceof Dot || op instanceof MatMul)) return null;
    const d = sameFloatDtype(node);
    return d ? { node, op, dtype: d, gemm: gemmFunction(table, d) } : null;
  },
  run(s, [a, b], ctx) {
    const g = productGeometry(s.node, s.op, a!.shape, b!.shape);
    const out = ctx.allocate(s.node, s.dtype, g.shape);
    launchGemm(ctx, s.gemm, s.dtype, g, a!.block, b!.block, out.block);
    return out;
  },
  note: (s) => `(${s.op instanceof Dot ? 'dot' : 'matmul'}: gemm_${s.dtype})`,
});

interface EpilogueStep extends WasmStep {
  op: ProductEpilogue;
  dtype: 'float32' | 'float64';
  gemm: number | null;
  conv: ConvRoutine | null;
  /** The epilogue formula as an elementwise program over (formula inputs) -> output, run in place on the product. */
  epilogue: KernelProgram;
  epilogueKernel: number;
}

/**
 * A product with a fused elementwise epilogue (the product_epilogue rewrite): the product through
 * its routine into the output, then the formula as one elementwise launch over it, in place (each
 * element read before it is written). Other products run the op's IR kernels.
 */
export const productEpilogue = wasmFamily<EpilogueStep>({
  kind: 'product_epilogue',
  output: 'kernel',
  plan(node, table) {
    const op = node.op;
    if (!(op instanceof ProductEpilogue)) return null;
    const d = sameFloatDtype(node, op.productArity);
    if (!d || op.formula.dtype !== d) return null;
    const inner = op.productNode(node);
    let gemm: number | null = null;
    let convRoutine: ConvRoutine | null = null;
    if (op.product instanceof Conv2d) convRoutine = planConv(inner, table);
    else if (op.product instanceof Dot || op.product instanceof MatMul) gemm = gemmFunction(table, d);
    if (gemm === null && !convRoutine) return null;
    const vars = op.formulaDtypes.map((_, i) => (i === op.productInput ? inner.outputs[0]! : node.inputs[op.operandOf(i)]!));
    const epiNode = new Composite(op.formula, op.formulaDtypes, op.fusedOps, op.epilogueParts).apply(vars, node.site);
    const epilogue = epiNode.op.kernels!(epiNode)!;
    return { node, op, dtype: d, gemm, conv: convRoutine, epilogue, epilogueKernel: table.kernel(epilogue.kernels[0]!) };
  },
  run(s, ins, ctx) {
    const { op, node } = s;
    const inner = op.productNode(node);
    const productIns = ins.slice(0, op.productArity);
    let out: WasmTensor;
    if (s.conv) out = runConvRoutine(s.conv, inner, productIns, ctx, (shape) => ctx.allocate(node, s.dtype, shape));
    else {
      const g = productGeometry(inner, op.product as Dot | MatMul, productIns[0]!.shape, productIns[1]!.shape);
      out = ctx.allocate(node, s.dtype, g.shape);
      launchGemm(ctx, s.gemm!, s.dtype, g, productIns[0]!.block, productIns[1]!.block, out.block);
    }
    op.checkEpilogueShapes(node, out.shape, ins.slice(op.productArity).map((a) => a.shape));
    const operands = op.formulaDtypes.map((_, i) => (i === op.productInput ? out : ins[op.operandOf(i)]!));
    const plan = s.epilogue.plan(operands.map((a) => ({ shape: a.shape })));
    for (const l of plan.launches) ctx.launch(s.epilogueKernel, [...operands.map((a) => a.block), out.block], l.params);
    return out;
  },
  note: (s) => `(${s.op.product.name} then the epilogue in place)`,
});

