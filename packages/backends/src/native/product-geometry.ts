import { HypatiaError, broadcastRuntime, type Apply } from '@hypatia/core';
import { Dot, type MatMul } from '@hypatia/ops';
import { batchStrides } from '@hypatia/ops/backend';
import { matrixView, type StridedMatrix } from './kernel-params.js';

/**
 * A Dot's or MatMul's run-time geometry for the gemm: its operands as strided matrices, the
 * result's shape, and for a MatMul the batch shape with each operand's element stride per batch
 * axis (0 where it broadcasts); a Dot has no batch axes.
 */
export interface ProductGeometry { A: StridedMatrix; B: StridedMatrix; shape: number[]; batch: number[]; sa: number[]; sb: number[] }

/**
 * The geometry of `node` (a Dot or MatMul) at operand shapes `a` and `b`, with the reference's
 * run-time checks. A Dot's vectors become 1-row or 1-column matrices; transposes become strides.
 */
export function productGeometry(node: Apply, op: Dot | MatMul, a: readonly number[], b: readonly number[]): ProductGeometry {
  if (op instanceof Dot) {
    const A: StridedMatrix = a.length === 2 ? matrixView(a, op.transA) : { rows: 1, cols: a[0]!, rs: 0, cs: 1 };
    const B: StridedMatrix = b.length === 2 ? matrixView(b, op.transB) : { rows: b[0]!, cols: 1, rs: 1, cs: 0 };
    if (A.cols !== B.rows) {
      throw new HypatiaError(op.name, `at run time, inner dimensions do not match: [${a.join(', ')}]${op.transA ? 'ᵀ' : ''} · [${b.join(', ')}]${op.transB ? 'ᵀ' : ''} (${A.cols} vs ${B.rows})`, node.site);
    }
    return { A, B, shape: [...(a.length === 2 ? [A.rows] : []), ...(b.length === 2 ? [B.cols] : [])], batch: [], sa: [], sb: [] };
  }
  const A = matrixView(a, op.transA);
  const B = matrixView(b, op.transB);
  if (A.cols !== B.rows) throw new HypatiaError(op.name, `at run time, inner dimensions do not match (${A.cols} vs ${B.rows})`, node.site);
  const batchA = a.slice(0, -2);
  const batchB = b.slice(0, -2);
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

/**
 * Visit every batch index of a batched product in row-major order with the operands' element
 * offsets (`sa`, `sb`: their strides per batch axis, 0 where broadcast), by odometer. No batch
 * axes: one visit at offsets 0.
 */
export function forEachBatch(batch: readonly number[], sa: readonly number[], sb: readonly number[], visit: (t: number, oa: number, ob: number, idx: readonly number[]) => void): void {
  const count = batch.reduce((x, y) => x * y, 1);
  const idx = new Array<number>(batch.length).fill(0);
  let oa = 0, ob = 0;
  for (let t = 0; t < count; t++) {
    visit(t, oa, ob, idx);
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
}
