import { HypatiaError, type Apply, type NDArray } from '@hypatia/core';
import type { Dot, Gemm } from '@hypatia/ops';
import { gemmParams, matrixView } from './kernel-params.js';

type Allocate = (shape: readonly number[]) => NDArray;
type Launch = (buffers: ArrayBufferView[], params: Float64Array, out: NDArray, pointwise: readonly NDArray[]) => boolean;

/**
 * Run a Gemm node (operands X, Y, Z, α, β) through the accumulating gemm kernel (gemmKernelC with
 * `accumulate`): buffers A, B, C, Z, α, β; parameters the gemm's ten. The product's run-time checks
 * name the user's dot, Z's the user's elementwise op, as the unfused graph would.
 */
export function runGemm(node: Apply, ins: readonly NDArray[], allocate: Allocate, launch: Launch): NDArray {
  const op = node.op as Gemm;
  const dot = op.product as Dot;
  const [x, y, z, alpha, beta] = ins as [NDArray, NDArray, NDArray, NDArray, NDArray];
  const A = matrixView(x.shape, dot.transA);
  const B = matrixView(y.shape, dot.transB);
  if (A.cols !== B.rows) {
    throw new HypatiaError(dot.name, `at run time, inner dimensions do not match: [${x.shape.join(', ')}]${dot.transA ? 'ᵀ' : ''} · [${y.shape.join(', ')}]${dot.transB ? 'ᵀ' : ''} (${A.cols} vs ${B.rows})`, op.productNode(node).site);
  }
  const shape = [A.rows, B.cols];
  op.checkEpilogueShapes(node, shape, [z.shape, alpha.shape, beta.shape]);
  const out = allocate(shape);
  launch([x.data, y.data, out.data, z.data, alpha.data, beta.data], gemmParams(A, B, 0, 0, 0), out, [z]);
  return out;
}
