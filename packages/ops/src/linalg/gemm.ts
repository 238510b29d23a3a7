import { ShapeError, input, S, type DType, type FusedPart, type Site, type TensorType } from '@hypatia/core';
import { Dot } from './dot.js';
import { ProductEpilogue } from './product-epilogue.js';

/** β·Z + α·P over formula inputs P (the product's element), Z, α, β. */
function gemmFormula(d: DType) {
  return S.add(S.mul(input(3, d), input(1, d)), S.mul(input(2, d), input(0, d)));
}

/**
 * BLAS's and PyTensor's gemm: β·Z + α·op(X)·op(Y) for matrices, with α and β scalars (rank 0)
 * computed in the graph. Operands X, Y (the product's, read transposed as its Dot says), then Z, α, β.
 * A product epilogue whose formula is affine in the product, which lets a backend sum the product
 * into Z's own buffer: the first k-block writes β·Z + α·acc, later ones add α·acc, so an SGD update
 * `W - η·(xᵀ·g)` is one pass that may write W in place. Made by the 'gemm' rewrite (gemm-rewrite.ts);
 * its reference semantics, kernels and gradient are the product epilogue's: the product rounded
 * into its dtype, then the formula.
 */
export class Gemm extends ProductEpilogue {
  override readonly name = 'gemm';

  constructor(product: Dot, dtype: 'float32' | 'float64', epilogueParts: readonly FusedPart[] = [], productSite?: Site) {
    super(product, 2, gemmFormula(dtype), [dtype, dtype, dtype, dtype], 0, ['gemm'], epilogueParts, productSite);
  }

  override inferTypes(ts: readonly TensorType[]): TensorType[] {
    const [x, y, z, alpha, beta] = ts;
    if (ts.length !== 5) throw new ShapeError(`takes X, Y, Z, alpha and beta, got ${ts.length} operands`);
    if (x!.ndim !== 2 || y!.ndim !== 2) throw new ShapeError(`multiplies two matrices, got ${x} and ${y}`);
    if (alpha!.ndim !== 0 || beta!.ndim !== 0) throw new ShapeError(`takes scalar alpha and beta, got ${alpha} and ${beta}`);
    const dtype = this.formulaDtypes[0]!;
    const wrong = ts.find((t) => t.dtype !== dtype);
    if (wrong) throw new ShapeError(`computes in ${dtype}, got an operand of type ${wrong}`);
    const [p] = super.inferTypes(ts);
    // Z is summed into, never broadcast: it has the product's shape, so its buffer can hold the result.
    if (z!.ndim !== 2 || z!.shape.some((d, k) => (d === 1) !== (p!.shape[k] === 1) || (d !== null && p!.shape[k] !== null && d !== p!.shape[k]))) {
      throw new ShapeError(`Z of type ${z} does not have the product's shape ${p}`);
    }
    return [p!];
  }

  override toString(): string {
    return `gemm{${this.product.toString()}}`;
  }
}
