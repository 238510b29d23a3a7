import { E, I, KernelBuilder, type Apply, type Expr, type Idx, type KernelProgram } from '@hypatia/core';
import { checkPooledGrad, poolLayout, pooledShape, windowAt, windowsPerPosition, type PoolParams } from './pool-geometry.js';
import { declarePoolAxes, gatherWindowShares, imageBase, poolKernelParams, pooledIndex, type PoolKernelAxes } from './pool-kernels.js';

interface AvgPoolOp {
  readonly name: string;
  readonly params: PoolParams & { readonly includePad: boolean };
}

/**
 * 1 / count for window (a, b), in double as the reference computes it: count is the window's real
 * elements, or its padded span with includePad (an empty window's 1 / 0 is Infinity, as there).
 */
function windowScale(P: PoolKernelAxes, a: Idx, b: Idx, includePad: boolean): Expr {
  const R = windowAt(a, P.rows);
  const C = windowAt(b, P.cols);
  const count = includePad ? I.mul(R.span, C.span) : I.mul(I.sub(R.hi, R.lo), I.sub(C.hi, C.lo));
  return E.div(E.c(1, 'float64'), E.index(count, 'float64'));
}

/** avg_pool2d: each window's sum in double, times 1 / count, one point per pooled element. */
export function avgPool2dProgram(op: AvgPoolOp, node: Apply): KernelProgram {
  const d = node.outputs[0]!.dtype;
  const k = new KernelBuilder('avg_pool2d');
  const x = k.input(d);
  const y = k.output(d);
  const P = declarePoolAxes(k);
  const [img, a, b] = k.space(P.m, P.rows.out, P.cols.out) as [Idx, Idx, Idx];
  const base = imageBase(P, img);
  const R = windowAt(a, P.rows);
  const C = windowAt(b, P.cols);
  const sum = k.reduce('sum', [[R.lo, R.hi], [C.lo, C.hi]], ([r, c]) => E.cast(x.at(I.add(base, I.add(I.mul(r!, P.cols.n), c!))), 'float64'));
  k.store(y, pooledIndex(P, img, a, b), E.mul(sum, windowScale(P, a, b, op.params.includePad)));
  return {
    kernels: [k.build()],
    plan([xs]) {
      return {
        outputs: [pooledShape(xs!.shape, poolLayout(op.params, xs!.shape))],
        launches: [{ kernel: 0, buffers: [{ input: 0 }, { output: 0 }], params: poolKernelParams(op.params, xs!.shape) }],
      };
    },
  };
}

/**
 * avg_pool2d_grad (gy, x): one point per input element, gathering gy · (1 / count) from the
 * windows that contain it, in the order the reference spreads them. x gives the shape only, so the
 * kernel does not bind it.
 */
export function avgPool2dGradProgram(op: AvgPoolOp, node: Apply): KernelProgram {
  const d = node.outputs[0]!.dtype;
  const k = new KernelBuilder('avg_pool2d_grad');
  const gy = k.input(d);
  const gx = k.output(d);
  const P = declarePoolAxes(k);
  const [img, r, c] = k.space(P.m, P.rows.n, P.cols.n) as [Idx, Idx, Idx];
  const steps = [windowsPerPosition(op.params, 0), windowsPerPosition(op.params, 1)] as const;
  const total = gatherWindowShares(k, P, img, r, c, steps, d, (a, b, o) => ({
    value: E.mul(E.cast(gy.at(o), 'float64'), windowScale(P, a, b, op.params.includePad)),
  }));
  k.store(gx, I.add(imageBase(P, img), I.add(I.mul(r, P.cols.n), c)), total);
  return {
    kernels: [k.build()],
    plan([g, x]) {
      checkPooledGrad(op.name, node, g!.shape, pooledShape(x!.shape, poolLayout(op.params, x!.shape)));
      return {
        outputs: [x!.shape],
        launches: [{ kernel: 0, buffers: [{ input: 0 }, { output: 0 }], params: poolKernelParams(op.params, x!.shape) }],
      };
    },
  };
}
