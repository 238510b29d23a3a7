import { NDArray, Op, TensorType, type Apply } from '@hypatia/core';
import { checkPooledGrad, poolLayout, pooledShape, poolType, type PoolLayout, type PoolParams } from './pool-geometry.js';

/** An op of the pooling family: its pooling geometry is what makes two instances the same op. */
export abstract class PoolParamsOp<P extends PoolParams> extends Op {
  constructor(readonly params: P) {
    super();
  }
  static override readonly props = ['window', 'stride', 'ignoreBorder', 'padding'];
  get window(): PoolParams['window'] { return this.params.window; }
  get stride(): PoolParams['stride'] { return this.params.stride; }
  get ignoreBorder(): PoolParams['ignoreBorder'] { return this.params.ignoreBorder; }
  get padding(): PoolParams['padding'] { return this.params.padding; }
}

/**
 * The skeleton max and average pooling share: the pooled shape as the type rule, and a perform
 * that lays out the windows and lets the subclass fill each output.
 */
export abstract class Pool2dOp<P extends PoolParams> extends PoolParamsOp<P> {

  inferTypes([x]: readonly TensorType[]): TensorType[] {
    return [poolType(this.params, x!)];
  }

  perform([x]: readonly NDArray[]): NDArray[] {
    const L = poolLayout(this.params, x!.shape);
    const out = NDArray.zeros(x!.dtype, pooledShape(x!.shape, L));
    this.poolInto(L, x!.data, out.data);
    return [out];
  }

  /** Write each window's pooled value of `x` (laid out by `L`) into `out`, in output order. */
  protected abstract poolInto(L: PoolLayout, x: ArrayLike<number>, out: { [i: number]: number }): void;
}

/**
 * Visit every output position o in row-major order with its image's base offset and its window's
 * index (a, b) along the rows and columns; both poolings and their gradients walk windows this way.
 */
export function forEachPoolWindow(L: PoolLayout, visit: (o: number, base: number, a: number, b: number) => void): void {
  const oh = L.rows.lo.length, ow = L.cols.lo.length;
  let o = 0;
  for (let img = 0; img < L.m; img++) {
    const base = img * L.h * L.w;
    for (let a = 0; a < oh; a++) for (let b = 0; b < ow; b++, o++) visit(o, base, a, b);
  }
}

/**
 * The perform both pooling gradients share: check that gy has x's pooled shape, then let `scatter`
 * add gy into a zero gradient of x's shape, window by window.
 */
export function scatterPooledGrad(
  op: PoolParamsOp<PoolParams>, node: Apply, x: NDArray, gy: NDArray,
  scatter: (L: PoolLayout, gx: { [i: number]: number }) => void,
): NDArray {
  const L = poolLayout(op.params, x.shape);
  checkPooledGrad(op.name, node, gy.shape, pooledShape(x.shape, L));
  const gx = NDArray.zeros(x.dtype, x.shape);
  scatter(L, gx.data);
  return gx;
}
