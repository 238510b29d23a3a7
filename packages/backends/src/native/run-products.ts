import { HypatiaError, broadcastStrides, stridesOf, type Apply, type NDArray } from '@hypatia/core';
import { Conv2d, Dot, MatMul, type ProductEpilogue } from '@hypatia/ops';
import { collapseAxes, gemmParams } from './kernel-params.js';
import { epilogueExtras, type GemmEpilogue } from './kernels/gemm-c.js';
import { runConv } from './run-conv.js';
import { forEachBatch, productGeometry } from './product-geometry.js';

type Allocate = (shape: readonly number[]) => NDArray;
type Launch = (buffers: ArrayBufferView[], params: Float64Array) => void;

/**
 * Dot and MatMul through the gemm kernel at their run-time geometry (product-geometry.ts, with the
 * reference's run-time checks): one launch per batch matrix, one for a Dot.
 */
export function runProduct(node: Apply, a: NDArray, b: NDArray, allocate: Allocate, launch: Launch): NDArray {
  const g = productGeometry(node, node.op as Dot | MatMul, a.shape, b.shape);
  const out = allocate(g.shape);
  forEachBatch(g.batch, g.sa, g.sb, (t, oa, ob) => launch([a.data, b.data, out.data], gemmParams(g.A, g.B, oa, ob, t * g.A.rows * g.B.cols)));
  return out;
}

/** The epilogue a ProductEpilogue node asks the gemm kernel (or the pass after a conv) to apply. */
export function gemmEpilogueOf(op: ProductEpilogue): GemmEpilogue {
  return { formula: op.formula, product: op.productInput, inDtypes: op.formulaDtypes };
}

/** Which kernel a ProductEpilogue launch is for: the product (for dot/matmul, the gemm with the epilogue built in) or, after a conv, the epilogue pass. */
export type EpiloguePart = 'product' | 'epilogue';
type PartLaunch = (part: EpiloguePart, buffers: ArrayBufferView[], params: Float64Array) => void;

/** The plain product node a ProductEpilogue node wraps: the run-time checks read its op, operand types and site. */
function productNode(node: Apply): Apply {
  return (node.op as ProductEpilogue).productNode(node);
}

/** The extra operands' strides over the product's output shape, after the same run-time checks as an elementwise op's. */
function extraStrides(node: Apply, ins: readonly NDArray[], outShape: readonly number[]): { arrays: NDArray[]; strides: number[][] } {
  const op = node.op as ProductEpilogue;
  const operands = epilogueExtras(gemmEpilogueOf(op)).map((x) => op.operandOf(x));
  const arrays = operands.map((i) => ins[i]!);
  arrays.forEach((a, j) => {
    const declared = node.inputs[operands[j]!]!.type.shape;
    const fits = a.ndim <= outShape.length && a.shape.every((d, k) => {
      const o = outShape[outShape.length - a.ndim + k]!;
      return d === o || (d === 1 && declared[k] === 1);
    });
    if (!fits) {
      throw op.blameEpilogue(outShape, ins.slice(op.productArity).map((x) => x.shape)) ?? new HypatiaError(op.name, `at run time epilogue operand ${j} of shape [${a.shape.join(', ')}] (type ${node.inputs[operands[j]!]!.type}) does not broadcast into the product's [${outShape.join(', ')}]`, node.site);
    }
  });
  return { arrays, strides: arrays.map((a) => broadcastStrides(a.shape, outShape)) };
}

/**
 * Run a ProductEpilogue natively. Dot and MatMul: one launch per batch matrix of the gemm kernel
 * built with the epilogue (gemmKernelC(name, dtype, gemmEpilogueOf(op))), buffers A, B, C, extras;
 * parameters the gemm's ten, then per extra operand its offset and row and column strides over C.
 * Conv2d: the conv kernel into the output, then the epilogue pass (epiloguePassKernelC) over it.
 */
export function runProductEpilogue(node: Apply, ins: readonly NDArray[], allocate: Allocate, launch: PartLaunch): NDArray {
  const op = node.op as ProductEpilogue;
  const inner = productNode(node);
  const productIns = ins.slice(0, op.productArity);
  if (op.product instanceof Conv2d) {
    const y = runConv(inner, productIns, allocate, (buffers, params) => launch('product', buffers, params));
    const { arrays, strides } = extraStrides(node, ins, y.shape);
    const merged = collapseAxes(y.shape, [stridesOf(y.shape), ...strides]);
    const params = Float64Array.from([y.size, merged.shape.length, ...merged.shape, ...merged.strides.slice(1).flat()]);
    if (y.size) launch('epilogue', [y.data, ...arrays.map((a) => a.data)], params);
    return y;
  }
  const [a, b] = productIns as [NDArray, NDArray];
  if (!(op.product instanceof Dot || op.product instanceof MatMul)) {
    throw new HypatiaError(op.name, `has no native kernel for the product ${op.product.name}`, node.site);
  }
  const { A, B, shape, batch, sa, sb } = productGeometry(inner, op.product, a.shape, b.shape);
  const out = allocate(shape);
  const { arrays, strides } = extraStrides(node, ins, shape);
  // C's row and column strides in each extra operand (an absent axis of a vector product reads as stride 0).
  const rowCol = strides.map((s) => {
    if (op.product instanceof MatMul) return [s[s.length - 2]!, s[s.length - 1]!];
    if (shape.length === 2) return [s[0]!, s[1]!];
    if (shape.length === 1) return a.ndim === 2 ? [s[0]!, 0] : [0, s[0]!];
    return [0, 0];
  });
  const buffers = [a.data, b.data, out.data, ...arrays.map((e) => e.data)];
  forEachBatch(batch, sa, sb, (t, oa, ob, idx) => {
    const extra = strides.flatMap((s, j) => [idx.reduce((o, i, d) => o + i * s[d]!, 0), rowCol[j]![0]!, rowCol[j]![1]!]);
    launch('product', buffers, Float64Array.from([...gemmParams(A, B, oa, ob, t * A.rows * B.cols), ...extra]));
  });
  return out;
}
