import {
  DISCONNECTED, HypatiaError, ShapeError, TensorType, upcast,
  type Apply, type Dim, type GradResult, type KernelProgram, type NDArray, type Variable,
} from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { DimShuffle, dimshuffle } from '../shape/dimshuffle.js';
import { castTo } from '../elementwise/broadcast.js';
import { mul } from '../elementwise/arithmetic.js';
import { gemm } from './gemm-kernel.js';
import { fitOrAllocate } from './output-buffer.js';
import { ProductOp } from './product-op.js';
import { matrixProductLowering, productProgram, type MatrixProductGeometry, type ProductLowering } from './product-lowering.js';

/**
 * NumPy's dot for vectors and matrices: vector·vector is a scalar, matrix·vector and
 * vector·matrix are vectors, matrix·matrix a matrix. `transA`/`transB` read a matrix operand
 * transposed without copying it, which is what the gradients of a product need (g·Bᵀ, Aᵀ·g).
 */
export class Dot extends ProductOp {
  readonly name = 'dot';

  inferTypes([a, b]: readonly TensorType[]): TensorType[] {
    this.checkOperands(a!, b!, (ndim) =>
      ndim < 1 || ndim > 2 ? `must be a vector or a matrix, got ${ndim} dimensions (use matmul for batches)` : null);
    if (this.transA && a!.ndim !== 2) throw new ShapeError('transA needs a matrix on the left');
    if (this.transB && b!.ndim !== 2) throw new ShapeError('transB needs a matrix on the right');
    this.checkInner(this.innerA(a!.shape), this.innerB(b!.shape), a!.shape, b!.shape);
    const shape: Dim[] = [];
    if (a!.ndim === 2) shape.push(this.transA ? a!.shape[1]! : a!.shape[0]!);
    if (b!.ndim === 2) shape.push(this.transB ? b!.shape[0]! : b!.shape[1]!);
    return [new TensorType(upcast(a!.dtype, b!.dtype), shape)];
  }

  /** The length of the contracted axis of the left operand (as stored, honouring transA). */
  private innerA<T>(s: readonly T[]): T {
    return s.length === 1 ? s[0]! : this.transA ? s[0]! : s[1]!;
  }

  private innerB<T>(s: readonly T[]): T {
    return s.length === 1 ? s[0]! : this.transB ? s[1]! : s[0]!;
  }

  perform([a, b]: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const { m, n, k, shape } = this.geometry(a!.shape, b!.shape, node);
    const out = fitOrAllocate(node.outputs[0]!.dtype, shape, reuse?.[0]);
    // A vector on the right is a [1 x k] matrix read transposed: each output is a contiguous dot product.
    const tB = b!.ndim === 1 ? true : this.transB;
    gemm({ data: a!.data, offset: 0 }, { data: b!.data, offset: 0 }, { data: out.data, offset: 0 }, m, n, k, this.transA, tB);
    return [out];
  }

  /** The product C[m x n] for operands of these shapes (a vector is one row of A, one column of B), after the run-time check. */
  geometry(a: readonly number[], b: readonly number[], node: Apply): MatrixProductGeometry {
    const k = this.innerA(a);
    this.checkInnerAtRun(k, this.innerB(b), a, b, node);
    const m = a.length === 2 ? (this.transA ? a[1]! : a[0]!) : 1;
    const n = b.length === 2 ? (this.transB ? b[0]! : b[1]!) : 1;
    const shape = [...(a.length === 2 ? [m] : []), ...(b.length === 2 ? [n] : [])];
    const [rsA, csA] = a.length === 1 ? [0, 1] : this.transA ? [1, m] : [k, 1];
    const [rsB, csB] = b.length === 1 ? [1, 0] : this.transB ? [1, k] : [n, 1];
    return { shape, batch: [], batchStridesA: [], batchStridesB: [], m, n, k, rsA, csA, rsB, csB };
  }

  /** One point per output element, the sum over the inner axis (product-lowering.ts). */
  lowering(node: Apply): ProductLowering {
    const [a, b] = node.inputs as [Variable, Variable];
    return matrixProductLowering(node, 0, (sa, sb) => this.geometry(sa, sb, node), (_t, i, j) => [...(a.ndim === 2 ? [i] : []), ...(b.ndim === 2 ? [j] : [])]);
  }

  override kernels(node: Apply): KernelProgram {
    return productProgram(node, this.lowering(node));
  }

  override grad([a, b]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    const { transA: tA, transB: tB } = this;
    let ga: Variable;
    let gb: Variable;
    if (a!.ndim === 1 && b!.ndim === 1) {
      ga = mul(g!, b!);
      gb = mul(g!, a!);
    } else if (a!.ndim === 2 && b!.ndim === 1) {
      ga = tA ? outer(b!, g!) : outer(g!, b!);
      gb = new Dot(!tA, false).call(a!, g!);
    } else if (a!.ndim === 1) {
      ga = new Dot(tB, false).call(b!, g!);
      gb = tB ? outer(g!, a!) : outer(a!, g!);
    } else {
      // op(A)·op(B) = C: dop(A) = g·op(B)ᵀ and dop(B) = op(A)ᵀ·g, transposed back where A or B was read transposed.
      ga = tA ? new Dot(tB, true).call(b!, g!) : new Dot(false, !tB).call(g!, b!);
      gb = tB ? new Dot(true, tA).call(g!, a!) : new Dot(!tA, false).call(a!, g!);
    }
    return [gradFor(a!, ga), gradFor(b!, gb)];
  }
}

/** Integer operands get no gradient; float ones get it in their own dtype. */
function gradFor(x: Variable, g: Variable): GradResult {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') return DISCONNECTED;
  return castTo(g, x.dtype);
}

/** The matrix under a plain 2-D transpose, if `v` is one: dot reads it transposed instead of copying. */
export function transposedSource(v: Variable): Variable | null {
  const op = v.owner?.op;
  if (op instanceof DimShuffle && op.inputNdim === 2 && op.pattern.length === 2 && op.pattern[0] === 1 && op.pattern[1] === 0) {
    return v.owner!.inputs[0]!;
  }
  return null;
}

/** NumPy's dot for vectors and matrices. A transposed matrix operand is read in place. */
export function dot(a: VarLike, b: VarLike): Variable {
  let x = asVariable(a, [b]);
  let y = asVariable(b, [a]);
  const sx = transposedSource(x);
  const sy = transposedSource(y);
  if (sx) x = sx;
  if (sy) y = sy;
  return new Dot(sx !== null, sy !== null).call(x, y);
}

/** Outer product of two vectors: [m] and [n] give [m, n]. */
export function outer(a: VarLike, b: VarLike): Variable {
  const x = asVariable(a, [b]);
  const y = asVariable(b, [a]);
  if (x.ndim !== 1 || y.ndim !== 1) {
    throw new HypatiaError('outer', `takes two vectors, got ${x.type} and ${y.type}`);
  }
  return mul(dimshuffle(x, 0, 'x'), dimshuffle(y, 'x', 0));
}
