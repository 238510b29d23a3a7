import { Composite, HypatiaError, broadcastRuntime, type Apply, type KernelProgram } from '@hypatia/core';
import { Conv2d, Dot, MatMul, ProductEpilogue } from '@hypatia/ops';
import { batchStrides } from '@hypatia/ops/backend';
import { gemmParams, matrixView, type StridedMatrix } from '../../native/kernel-params.js';
import type { WasmKernelTable } from '../function-module.js';
import { gemmScratchElements } from '../routines/gemm-wasm.js';
import { gemmFunction, sameFloatDtype } from './gemm-function.js';
import { wasmFamily, type Block, type WasmRunContext, type WasmStep, type WasmTensor } from '../wasm-step.js';
import { planConv, runConvRoutine, type ConvRoutine } from './conv.js';

interface Geometry { A: StridedMatrix; B: StridedMatrix; shape: number[]; batch: number[]; sa: number[]; sb: number[] }

/** A Dot's or MatMul's run-time geometry for the gemm, with the reference's run-time checks (as native's run-products.ts). */
function geometry(node: Apply, op: Dot | MatMul, a: WasmTensor, b: WasmTensor): Geometry {
  if (op instanceof Dot) {
    const A: StridedMatrix = a.shape.length === 2 ? matrixView(a.shape, op.transA) : { rows: 1, cols: a.shape[0]!, rs: 0, cs: 1 };
    const B: StridedMatrix = b.shape.length === 2 ? matrixView(b.shape, op.transB) : { rows: b.shape[0]!, cols: 1, rs: 1, cs: 0 };
    if (A.cols !== B.rows) {
      throw new HypatiaError(op.name, `at run time, inner dimensions do not match: [${a.shape.join(', ')}]${op.transA ? 'ᵀ' : ''} · [${b.shape.join(', ')}]${op.transB ? 'ᵀ' : ''} (${A.cols} vs ${B.rows})`, node.site);
    }
    return { A, B, shape: [...(a.shape.length === 2 ? [A.rows] : []), ...(b.shape.length === 2 ? [B.cols] : [])], batch: [], sa: [], sb: [] };
  }
  const A = matrixView(a.shape, op.transA);
  const B = matrixView(b.shape, op.transB);
  if (A.cols !== B.rows) throw new HypatiaError(op.name, `at run time, inner dimensions do not match (${A.cols} vs ${B.rows})`, node.site);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastRuntime([batchA, batchB]);
  if (typeof batch === 'string') throw new HypatiaError(op.name, `at run time, batch dimensions: ${batch}`, node.site);
  [batchA, batchB].forEach((own, i) => {
    const declared = node.inputs[i]!.type.shape;
    own.forEach((d, j) => {
      const target = batch[batch.length - own.length + j]!;
      if (d === 1 && target !== 1 && declared[j] !== 1) {
        throw new HypatiaError(op.name, `at run time operand ${i} has length 1 on batch axis ${j} where the result has ${target}, but its type ${node.inputs[i]!.type} does not declare that axis broadcastable`, node.site);
      }
    });
  });
  return { A, B, shape: [...batch, A.rows, B.cols], batch, sa: batchStrides(batchA, batch, A.rows * A.cols), sb: batchStrides(batchB, batch, B.rows * B.cols) };
}

/** One gemm launch per batch matrix, into `out`. */
function launchGemm(ctx: WasmRunContext, gemm: number, d: 'float32' | 'float64', g: Geometry, a: Block, b: Block, out: Block): void {
  const scratch = ctx.scratch(d, gemmScratchElements(d));
  const count = g.batch.reduce((x, y) => x * y, 1);
  const idx = new Array<number>(g.batch.length).fill(0);
  let oa = 0, ob = 0;
  for (let t = 0; t < count; t++) {
    ctx.launch(gemm, [a, b, out, scratch], [...gemmParams(g.A, g.B, oa, ob, t * g.A.rows * g.B.cols), 0]);
    for (let d2 = g.batch.length - 1; d2 >= 0; d2--) {
      idx[d2]!++;
      oa += g.sa[d2]!;
      ob += g.sb[d2]!;
      if (idx[d2]! < g.batch[d2]!) break;
      oa -= g.sa[d2]! * g.batch[d2]!;
      ob -= g.sb[d2]! * g.batch[d2]!;
      idx[d2] = 0;
    }
  }
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
    const g = geometry(s.node, s.op, a!, b!);
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
      const g = geometry(inner, op.product as Dot | MatMul, productIns[0]!, productIns[1]!);
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

