import { E, I, KernelBuilder, type Apply, type Idx, type KernelProgram } from '@hypatia/core';
import { checkPooledGrad, checkSameShape, poolLayout, pooledShape, windowsPerPosition, type PoolParams } from './pool-geometry.js';
import { declarePoolAxes, gatherWindowShares, imageBase, poolKernelParams, pooledIndex, windowArgmax } from './pool-kernels.js';

/**
 * The max pooling family in the kernel IR. Every window's winner is its first maximum in
 * row-major order (windowArgmax); an empty window (an empty image with padding) pools to NaN and
 * passes no gradient.
 */

/** What the programs read of the op: its name (for errors) and its geometry. */
interface PoolOp {
  readonly name: string;
  readonly params: PoolParams;
}

/** max_pool2d: each window's maximum, one point per pooled element. */
export function maxPool2dProgram(op: PoolOp, node: Apply): KernelProgram {
  return argmaxGatherProgram(op, node, NaN);
}

/** max_pool2d_grad_grad (x, h): h at each window's maximum of x, 0 for an empty window. */
export function maxPool2dGradGradProgram(op: PoolOp, node: Apply): KernelProgram {
  return argmaxGatherProgram(op, node, 0, ([x, h]) => checkSameShape(op.name, node, 'h', h!, x!));
}

/**
 * One kernel over the pooled elements: the operand read last (x itself, or h) at the window's
 * maximum of x, `empty` for an empty window.
 */
function argmaxGatherProgram(op: PoolOp, node: Apply, empty: number, check?: (shapes: readonly (readonly number[])[]) => void): KernelProgram {
  const d = node.outputs[0]!.dtype;
  const k = new KernelBuilder(op.name);
  const x = k.input(d);
  const src = node.inputs.length > 1 ? k.input(d) : x;
  const y = k.output(d);
  const P = declarePoolAxes(k);
  const [img, a, b] = k.space(P.m, P.rows.out, P.cols.out) as [Idx, Idx, Idx];
  const base = imageBase(P, img);
  const at = I.trunc(windowArgmax(k, x, P, base, a, b));
  k.store(y, pooledIndex(P, img, a, b), E.select(E.index(I.le(0, at), 'bool'), src.at(I.add(base, at)), E.c(empty, d)));
  const inputs = node.inputs.map((_, i) => ({ input: i }));
  return {
    kernels: [k.build()],
    plan(operands) {
      const xs = operands[0]!.shape;
      check?.(operands.map((o) => o.shape));
      return {
        outputs: [pooledShape(xs, poolLayout(op.params, xs))],
        launches: [{ kernel: 0, buffers: [...inputs, { output: 0 }], params: poolKernelParams(op.params, xs) }],
      };
    },
  };
}

/**
 * max_pool2d_grad (x, gy): a first kernel writes each window's argmax to scratch; a second runs
 * over the input elements, each gathering gy from the windows it wins, in the order the reference
 * scatters them.
 */
export function maxPool2dGradProgram(op: PoolOp, node: Apply): KernelProgram {
  const d = node.outputs[0]!.dtype;
  const first = new KernelBuilder('max_pool2d_argmax');
  {
    const x = first.input(d);
    const arg = first.output('int32');
    const P = declarePoolAxes(first);
    const [img, a, b] = first.space(P.m, P.rows.out, P.cols.out) as [Idx, Idx, Idx];
    first.store(arg, pooledIndex(P, img, a, b), windowArgmax(first, x, P, imageBase(P, img), a, b));
  }
  const second = new KernelBuilder('max_pool2d_grad_gather');
  {
    const arg = second.input('int32');
    const gy = second.input(d);
    const gx = second.output(d);
    const P = declarePoolAxes(second);
    const [img, r, c] = second.space(P.m, P.rows.n, P.cols.n) as [Idx, Idx, Idx];
    const self = I.add(I.mul(r, P.cols.n), c);
    const steps = [windowsPerPosition(op.params, 0), windowsPerPosition(op.params, 1)] as const;
    const total = gatherWindowShares(second, P, img, r, c, steps, d, (_a, _b, o) => ({ when: I.eq(arg.read(o), self), value: E.cast(gy.at(o), 'float64') }));
    second.store(gx, I.add(imageBase(P, img), self), total);
  }
  return {
    kernels: [first.build(), second.build()],
    plan([x, gy]) {
      const L = poolLayout(op.params, x!.shape);
      const pooled = pooledShape(x!.shape, L);
      checkPooledGrad(op.name, node, gy!.shape, pooled);
      const params = poolKernelParams(op.params, x!.shape);
      return {
        outputs: [x!.shape],
        temps: [{ dtype: 'int32', size: pooled.reduce((s, v) => s * v, 1) }],
        launches: [
          { kernel: 0, buffers: [{ input: 0 }, { temp: 0 }], params },
          { kernel: 1, buffers: [{ temp: 0 }, { input: 1 }, { output: 0 }], params },
        ],
      };
    },
  };
}
