import { NDArray, Op, TensorType, type GradResult, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { poolLayout, pooledShape, poolType, resolvePoolOptions, type Pool2dOptions, type PoolLayout, type PoolParams } from './pool-geometry.js';
import { maxPool2dGrad } from './max-pool2d-grad.js';

/** Max over windows of the last two axes, with Theano's pool_2d geometry (ignore_border, stride, padding). */
export class MaxPool2d extends Op {
  readonly name = 'max_pool2d';
  constructor(readonly params: PoolParams) {
    super();
  }
  override props() {
    return { ...this.params };
  }

  inferTypes([x]: readonly TensorType[]): TensorType[] {
    return [poolType(this.params, x!)];
  }

  perform([x]: readonly NDArray[]): NDArray[] {
    const L = poolLayout(this.params, x!.shape);
    const out = NDArray.zeros(x!.dtype, pooledShape(x!.shape, L));
    forEachArgmax(L, x!.data, (o, i) => { out.data[o] = x!.data[i]!; });
    return [out];
  }

  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly (Variable | null)[]): GradResult[] {
    return [maxPool2dGrad(x!, g!, this.params)];
  }
}

/**
 * Visit each output position o with the input index i of its window's maximum (the first one in
 * row-major order on ties, so exactly one input receives each output's gradient).
 */
export function forEachArgmax(L: PoolLayout, x: ArrayLike<number>, visit: (o: number, i: number) => void): void {
  const { rows, cols } = L;
  const oh = rows.lo.length, ow = cols.lo.length;
  let o = 0;
  for (let img = 0; img < L.m; img++) {
    const base = img * L.h * L.w;
    for (let a = 0; a < oh; a++) {
      for (let b = 0; b < ow; b++, o++) {
        let best = -Infinity, at = -1;
        for (let r = rows.lo[a]!; r < rows.hi[a]!; r++) {
          const rowBase = base + r * L.w;
          for (let c = cols.lo[b]!; c < cols.hi[b]!; c++) {
            const v = x[rowBase + c]!;
            if (v > best || at < 0) { best = v; at = rowBase + c; }
          }
        }
        visit(o, at);
      }
    }
  }
}

/**
 * maxPool2d(x, {window, stride = window, ignoreBorder = true, padding = [0, 0]}): the maximum of
 * each window over the last two axes (Theano's pool_2d with mode 'max'). Padding never wins.
 */
export function maxPool2d(x: VarLike, options: Pool2dOptions): Variable {
  return new MaxPool2d(resolvePoolOptions(options, 'max_pool2d')).call(asVariable(x));
}
