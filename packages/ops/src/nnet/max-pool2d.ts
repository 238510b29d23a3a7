import type { Apply, GradResult, KernelProgram, Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { resolvePoolOptions, type Pool2dOptions, type PoolLayout, type PoolParams } from './pool-geometry.js';
import { Pool2dOp, forEachPoolWindow } from './pool2d-op.js';
import { maxPool2dGrad } from './max-pool2d-grad.js';
import { maxPool2dProgram } from './max-pool-kernels.js';

/** Max over windows of the last two axes, with Theano's pool_2d geometry (ignore_border, stride, padding). */
export class MaxPool2d extends Pool2dOp<PoolParams> {
  readonly name = 'max_pool2d';

  protected poolInto(L: PoolLayout, x: ArrayLike<number>, out: { [i: number]: number }): void {
    forEachArgmax(L, x, (o, i) => { out[o] = i < 0 ? NaN : x[i]!; });
  }

  override kernels(node: Apply): KernelProgram {
    return maxPool2dProgram(this, node);
  }

  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [maxPool2dGrad(x!, g!, this.params)];
  }
}

/**
 * Visit each output position o with the input index i of its window's maximum (the first one in
 * row-major order on ties, so exactly one input receives each output's gradient), or -1 for an
 * empty window (an empty image with padding), which pools to NaN and passes no gradient.
 */
export function forEachArgmax(L: PoolLayout, x: ArrayLike<number>, visit: (o: number, i: number) => void): void {
  const { rows, cols } = L;
  forEachPoolWindow(L, (o, base, a, b) => {
    let best = -Infinity, at = -1;
    for (let r = rows.lo[a]!; r < rows.hi[a]!; r++) {
      const rowBase = base + r * L.w;
      for (let c = cols.lo[b]!; c < cols.hi[b]!; c++) {
        const v = x[rowBase + c]!;
        if (v > best || at < 0) { best = v; at = rowBase + c; }
      }
    }
    visit(o, at);
  });
}

/**
 * maxPool2d(x, {window, stride = window, ignoreBorder = true, padding = [0, 0]}): the maximum of
 * each window over the last two axes (Theano's pool_2d with mode 'max'). Padding never wins.
 */
export function maxPool2d(x: VarLike, options: Pool2dOptions): Variable {
  return new MaxPool2d(resolvePoolOptions(options, 'max_pool2d')).call(asVariable(x));
}
