import { keepsType, registerRewrite, type LocalRewrite, type Variable } from '@hypatia/core';
import { DimShuffle } from '../shape/dimshuffle.js';
import { Dot } from './dot.js';
import { MatMul } from './matmul.js';

/** The tensor under a DimShuffle that only swaps the last two axes, if `v` is one. */
function swappedSource(v: Variable): Variable | null {
  const op = v.owner?.op;
  if (!(op instanceof DimShuffle) || op.pattern.length !== op.inputNdim || op.inputNdim < 2) return null;
  const n = op.inputNdim;
  const swapsLastTwo = op.pattern.every((p, i) => p === (i === n - 2 ? n - 1 : i === n - 1 ? n - 2 : i));
  return swapsLastTwo ? v.owner!.inputs[0]! : null;
}

/**
 * A product whose operand is a transpose reads the untransposed tensor with its trans flag flipped
 * instead: the gemm kernel walks the strides, so the transpose's copy is no longer on the product's
 * path (and disappears when nothing else uses it). The builders do this already; this catches
 * transposes that other rewrites or hand-built graphs put in front of a product.
 */
export const productAbsorbsTranspose: LocalRewrite<Dot | MatMul> = {
  kind: 'local',
  name: 'product_absorbs_transpose',
  phase: 'specialize',
  tracks: [Dot, MatMul],
  apply(node) {
    const op = node.op;
    const [a, b] = node.inputs as [Variable, Variable];
    const sa = a.ndim >= 2 ? swappedSource(a) : null;
    const sb = b.ndim >= 2 ? swappedSource(b) : null;
    if (!sa && !sb) return null;
    const tA = sa ? !op.transA : op.transA;
    const tB = sb ? !op.transB : op.transB;
    const rebuilt = op instanceof Dot ? new Dot(tA, tB) : new MatMul(tA, tB);
    const out = rebuilt.call(sa ?? a, sb ?? b);
    return keepsType(node.out, out) ? [out] : null;
  },
};

registerRewrite(productAbsorbsTranspose);
