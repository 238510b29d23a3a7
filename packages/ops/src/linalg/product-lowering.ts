import { E, I, KernelBuilder, stridesOf, type Apply, type Buf, type Expr, type Idx, type KernelProgram } from '@hypatia/core';

/**
 * A product (dot, matmul, a convolution or its gradients) in the kernel IR: one value per output
 * point, a reduction computed as the op's perform computes it. The same lowering serves the op's
 * own kernel and a product epilogue's, which applies a formula to the value before storing it.
 */
export interface ProductLowering {
  /** The node inputs the kernel reads, in the order `build` takes their buffers (shape-only operands are left out). */
  readonly reads: readonly number[];
  /**
   * Declares the product's parameters and iteration space in `k`; gives the element at the point,
   * in the product's dtype, and the variables of the output's axes (the output is row-major over
   * them).
   */
  build(k: KernelBuilder, operands: readonly Buf[]): { value: Expr; outAxes: readonly Idx[] };
  /**
   * For operands of these shapes (all the node's inputs): the product's shape and the values of
   * the parameters `build` declared, in order. Makes the op's run-time shape checks.
   */
  plan(shapes: readonly (readonly number[])[]): { shape: number[]; params: number[] };
}

/** The node's program: one kernel storing the lowering's value at each output element (then the output's strides as parameters). */
export function productProgram(node: Apply, lowering: ProductLowering): KernelProgram {
  const k = new KernelBuilder(node.op.name);
  const operands = lowering.reads.map((i) => k.input(node.inputs[i]!.dtype));
  const out = k.output(node.outputs[0]!.dtype);
  const { value, outAxes } = lowering.build(k, operands);
  k.store(out, I.strided(outAxes, k.params(outAxes.length)), value);
  return {
    kernels: [k.build()],
    plan(ops) {
      const { shape, params } = lowering.plan(ops.map((o) => o.shape));
      return {
        outputs: [shape],
        launches: [{ kernel: 0, buffers: [...lowering.reads.map((i) => ({ input: i })), { output: 0 }], params: [...params, ...stridesOf(shape)] }],
      };
    },
  };
}

/**
 * The run-time geometry of a stack of matrix products C[batch.., i, j] = sum over p of
 * A[i, p] · B[p, j]: A's element (i, p) of batch entry t at t·batchStridesA + i·rsA + p·csA, B's
 * (p, j) at t·batchStridesB + p·rsB + j·csB (0 strides on broadcast batch axes and on a vector's
 * missing axis).
 */
export interface MatrixProductGeometry {
  shape: number[];
  batch: number[];
  batchStridesA: number[];
  batchStridesB: number[];
  m: number;
  n: number;
  k: number;
  rsA: number;
  csA: number;
  rsB: number;
  csB: number;
}

/**
 * Dot's and MatMul's lowering: a point per element of C (batch axes, rows, columns), the sum over
 * p in order. Floats sum in double from 0 and round once into the product's dtype, as the
 * reference's gemm; int32 operands multiply and add in wrapping int32, exact modulo 2^32.
 * `outAxes` picks the output's axes among the space's (a vector operand drops one).
 */
export function matrixProductLowering(
  node: Apply, batchRank: number,
  geometry: (a: readonly number[], b: readonly number[]) => MatrixProductGeometry,
  outAxes: (batch: readonly Idx[], i: Idx, j: Idx) => Idx[],
): ProductLowering {
  const dtype = node.outputs[0]!.dtype;
  return {
    reads: [0, 1],
    build(k, [a, b]) {
      const batch = k.params(batchRank);
      const [stridesA, stridesB] = [k.params(batchRank), k.params(batchRank)];
      const [m, n, depth, rsA, csA, rsB, csB] = k.params(7) as [Idx, Idx, Idx, Idx, Idx, Idx, Idx];
      const vars = k.space(...batch, m, n);
      const t = vars.slice(0, batchRank);
      const [i, j] = vars.slice(batchRank) as [Idx, Idx];
      const offA = I.add(I.strided(t, stridesA), I.mul(i, rsA));
      const offB = I.add(I.strided(t, stridesB), I.mul(j, csB));
      const sum = k.reduce('sum', [depth], ([p]) => {
        const x = a!.at(I.add(offA, I.mul(p!, csA)));
        const y = b!.at(I.add(offB, I.mul(p!, rsB)));
        return dtype === 'int32' ? E.mul(x, y) : E.mul(E.cast(x, 'float64'), E.cast(y, 'float64'));
      });
      return { value: E.cast(sum, dtype), outAxes: outAxes(t, i, j) };
    },
    plan([a, b]) {
      const g = geometry(a!, b!);
      return { shape: g.shape, params: [...g.batch, ...g.batchStridesA, ...g.batchStridesB, g.m, g.n, g.k, g.rsA, g.csA, g.rsB, g.csB] };
    },
  };
}
