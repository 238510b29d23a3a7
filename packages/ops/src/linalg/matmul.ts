import {
  DISCONNECTED, HypatiaError, ShapeError, TensorType, broadcastRuntime, broadcastStatic, upcast,
  type Apply, type GradResult, type KernelProgram, type NDArray, type Variable,
} from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { dimshuffle } from '../shape/dimshuffle.js';
import { sumToShape } from '../elementwise/broadcast.js';
import { gemm } from './gemm-kernel.js';
import { dot } from './dot.js';
import { fitOrAllocate } from './output-buffer.js';
import { ProductOp } from './product-op.js';
import { matrixProductLowering, productProgram, type MatrixProductGeometry, type ProductLowering } from './product-lowering.js';

/**
 * A stack of matrix products (NumPy's matmul for operands of two or more dimensions): the last two
 * axes multiply, the leading batch axes broadcast (only statically length-1 axes stretch, as
 * everywhere in Hypatia). `transA`/`transB` read the last two axes of an operand transposed.
 */
export class MatMul extends ProductOp {
  readonly name = 'matmul';

  inferTypes([a, b]: readonly TensorType[]): TensorType[] {
    this.checkOperands(a!, b!, (ndim) => (ndim < 2 ? `needs at least 2 dimensions, got ${ndim}` : null));
    const [m, ka] = this.matA(a!.shape);
    const [kb, n] = this.matB(b!.shape);
    this.checkInner(ka, kb, a!.shape, b!.shape);
    const batch = broadcastStatic([a!.shape.slice(0, -2), b!.shape.slice(0, -2)]);
    if (typeof batch === 'string') throw new ShapeError(`batch dimensions do not broadcast: ${batch}`);
    return [new TensorType(upcast(a!.dtype, b!.dtype), [...batch, m, n])];
  }

  /** [rows, inner] of op(A), from A's last two axes. */
  private matA<T>(s: readonly T[]): [T, T] {
    const r = s[s.length - 2]!, c = s[s.length - 1]!;
    return this.transA ? [c, r] : [r, c];
  }

  /** [inner, cols] of op(B). */
  private matB<T>(s: readonly T[]): [T, T] {
    const r = s[s.length - 2]!, c = s[s.length - 1]!;
    return this.transB ? [c, r] : [r, c];
  }

  perform([a, b]: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const { m, n, k, shape, batch, batchStridesA: strideA, batchStridesB: strideB } = this.geometry(a!.shape, b!.shape, node);
    const out = fitOrAllocate(node.outputs[0]!.dtype, shape, reuse?.[0]);
    const count = batch.reduce((x, y) => x * y, 1);
    const idx = new Array<number>(batch.length).fill(0);
    let oa = 0, ob = 0;
    for (let t = 0; t < count; t++) {
      gemm({ data: a!.data, offset: oa }, { data: b!.data, offset: ob }, { data: out.data, offset: t * m * n }, m, n, k, this.transA, this.transB);
      for (let d = batch.length - 1; d >= 0; d--) {
        idx[d]!++;
        oa += strideA[d]!;
        ob += strideB[d]!;
        if (idx[d]! < batch[d]!) break;
        oa -= strideA[d]! * batch[d]!;
        ob -= strideB[d]! * batch[d]!;
        idx[d] = 0;
      }
    }
    return [out];
  }

  /** The stack of products for operands of these shapes, after the run-time checks of the inner and batch axes. */
  geometry(a: readonly number[], b: readonly number[], node: Apply): MatrixProductGeometry {
    const [m, k] = this.matA(a);
    const [kb, n] = this.matB(b);
    this.checkInnerAtRun(k, kb, a, b, node);
    const batchA = a.slice(0, -2);
    const batchB = b.slice(0, -2);
    const batch = broadcastRuntime([batchA, batchB]);
    if (typeof batch === 'string') throw new HypatiaError(this.name, `at run time, batch dimensions: ${batch}`, node.site);
    [batchA, batchB].forEach((own, i) => {
      const declared = node.inputs[i]!.type.shape;
      own.forEach((d, j) => {
        const target = batch[batch.length - own.length + j]!;
        if (d === 1 && target !== 1 && declared[j] !== 1) {
          throw new HypatiaError(this.name, `at run time operand ${i} has length 1 on batch axis ${j} where the result has ${target}, but its type ${node.inputs[i]!.type} does not declare that axis broadcastable`, node.site);
        }
      });
    });
    const [rsA, csA] = this.transA ? [1, m] : [k, 1];
    const [rsB, csB] = this.transB ? [1, k] : [n, 1];
    return {
      shape: [...batch, m, n], batch, batchStridesA: batchStrides(batchA, batch, m * k), batchStridesB: batchStrides(batchB, batch, k * n),
      m, n, k, rsA, csA, rsB, csB,
    };
  }

  /** One point per output element (batch axes, rows, columns), the sum over the inner axis (product-lowering.ts). */
  lowering(node: Apply): ProductLowering {
    return matrixProductLowering(node, node.outputs[0]!.ndim - 2, (sa, sb) => this.geometry(sa, sb, node), (t, i, j) => [...t, i, j]);
  }

  override kernels(node: Apply): KernelProgram {
    return productProgram(node, this.lowering(node));
  }

  override grad([a, b]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    const { transA: tA, transB: tB } = this;
    // The same algebra as Dot's matrix case, per batch entry; broadcast batch axes sum back.
    const ga = tA ? new MatMul(tB, true).call(b!, g!) : new MatMul(false, !tB).call(g!, b!);
    const gb = tB ? new MatMul(true, tA).call(g!, a!) : new MatMul(!tA, false).call(a!, g!);
    const isFloat = (x: Variable) => x.dtype === 'float32' || x.dtype === 'float64';
    return [
      isFloat(a!) ? sumToShape(ga, a!) : DISCONNECTED,
      isFloat(b!) ? sumToShape(gb, b!) : DISCONNECTED,
    ];
  }
}

/** Element strides of each batch axis of an operand, read as broadcast to `batch` (0 where it stretches or is missing). */
export function batchStrides(own: readonly number[], batch: readonly number[], matrixSize: number): number[] {
  const s = new Array<number>(batch.length).fill(0);
  let acc = matrixSize;
  for (let i = own.length - 1; i >= 0; i--) {
    const j = batch.length - own.length + i;
    s[j] = own[i] === 1 ? 0 : acc;
    acc *= own[i]!;
  }
  return s;
}

/**
 * NumPy's matmul: the last two axes multiply and leading axes broadcast. A vector operand is
 * promoted to a matrix (a row on the left, a column on the right) and that axis removed after.
 */
export function matmul(a: VarLike, b: VarLike): Variable {
  const x = asVariable(a, [b]);
  const y = asVariable(b, [a]);
  if (x.ndim === 0 || y.ndim === 0) {
    throw new HypatiaError('matmul', `operands must have at least one dimension, got ${x.type} and ${y.type} (use mul for scalars)`);
  }
  if (x.ndim <= 2 && y.ndim <= 2) return dot(x, y);
  const xm = x.ndim === 1 ? dimshuffle(x, 'x', 0) : x;
  const ym = y.ndim === 1 ? dimshuffle(y, 0, 'x') : y;
  let out = new MatMul().call(xm, ym);
  if (x.ndim === 1) out = dimshuffle(out, [...Array.from({ length: out.ndim - 2 }, (_, i) => i), out.ndim - 1]);
  else if (y.ndim === 1) out = dimshuffle(out, Array.from({ length: out.ndim - 1 }, (_, i) => i));
  return out;
}

