import { HypatiaError, broadcastRuntime, type Apply, type NDArray } from '@hypatia/core';
import { batchStrides, type Dot, type MatMul } from '@hypatia/ops';
import { gemmParams, matrixView, type StridedMatrix } from './kernel-params.js';

type Allocate = (shape: readonly number[]) => NDArray;
type Launch = (buffers: ArrayBufferView[], params: Float64Array) => void;

/**
 * Run-time shapes of Dot and MatMul for the gemm kernel, with the reference's run-time checks.
 * Vectors become 1-row or 1-column matrices; transposes become strides.
 */
export function runDot(node: Apply, a: NDArray, b: NDArray, allocate: Allocate, launch: Launch): NDArray {
  const op = node.op as Dot;
  const A: StridedMatrix = a.ndim === 2 ? matrixView(a.shape, op.transA) : { rows: 1, cols: a.shape[0]!, rs: 0, cs: 1 };
  const B: StridedMatrix = b.ndim === 2 ? matrixView(b.shape, op.transB) : { rows: b.shape[0]!, cols: 1, rs: 1, cs: 0 };
  if (A.cols !== B.rows) {
    throw new HypatiaError(op.name, `at run time, inner dimensions do not match: [${a.shape.join(', ')}]${op.transA ? 'ᵀ' : ''} · [${b.shape.join(', ')}]${op.transB ? 'ᵀ' : ''} (${A.cols} vs ${B.rows})`, node.site);
  }
  const out = allocate([...(a.ndim === 2 ? [A.rows] : []), ...(b.ndim === 2 ? [B.cols] : [])]);
  launch([a.data, b.data, out.data], gemmParams(A, B, 0, 0, 0));
  return out;
}

export function runMatMul(node: Apply, a: NDArray, b: NDArray, allocate: Allocate, launch: Launch): NDArray {
  const op = node.op as MatMul;
  const A = matrixView(a.shape, op.transA);
  const B = matrixView(b.shape, op.transB);
  if (A.cols !== B.rows) {
    throw new HypatiaError(op.name, `at run time, inner dimensions do not match (${A.cols} vs ${B.rows})`, node.site);
  }
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
  const out = allocate([...batch, A.rows, B.cols]);
  const sa = batchStrides(batchA, batch, A.rows * A.cols);
  const sb = batchStrides(batchB, batch, B.rows * B.cols);
  const count = batch.reduce((x, y) => x * y, 1);
  const idx = new Array<number>(batch.length).fill(0);
  let oa = 0, ob = 0;
  for (let t = 0; t < count; t++) {
    launch([a.data, b.data, out.data], gemmParams(A, B, oa, ob, t * A.rows * B.cols));
    for (let d = batch.length - 1; d >= 0; d--) {
      idx[d]!++;
      oa += sa[d]!;
      ob += sb[d]!;
      if (idx[d]! < batch[d]!) break;
      oa -= sa[d]! * batch[d]!;
      ob -= sb[d]! * batch[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

