import type { Apply, GradResult, KernelProgram, Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { resolvePoolOptions, type Pool2dOptions, type PoolLayout, type PoolParams } from './pool-geometry.js';
import { Pool2dOp, forEachPoolWindow } from './pool2d-op.js';
import { avgPool2dGrad } from './avg-pool2d-grad.js';
import { avgPool2dProgram } from './avg-pool-kernels.js';

/** Options of `avgPool2d`: the pooling geometry, and whether padding counts in the divisor. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /** Divide by the window's size counting padding (Theano's 'average_inc_pad') instead of by the real elements ('average_exc_pad', the default). */
  includePad?: boolean;
}

/** Average pooling's resolved parameters, as its ops store them. */
export interface AvgPoolParams extends PoolParams {
  readonly includePad: boolean;
}

/** Mean over windows of the last two axes, with Theano's pool_2d geometry. */
export class AvgPool2d extends Pool2dOp<AvgPoolParams> {
  readonly name = 'avg_pool2d';
  static override readonly props = [...Pool2dOp.props, 'includePad'];
  get includePad(): boolean { return this.params.includePad; }

  protected poolInto(L: PoolLayout, x: ArrayLike<number>, out: { [i: number]: number }): void {
    forEachWindow(L, this.params.includePad, (o, base, r0, r1, c0, c1, scale) => {
      let s = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += x[base + r * L.w + c]!;
      out[o] = s * scale;
    });
  }

  override kernels(node: Apply): KernelProgram {
    return avgPool2dProgram(this, node);
  }

  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [avgPool2dGrad(g!, x!, this.params)];
  }
}

/** Visit each output o with its image's base offset, its window's real rows and columns, and 1 / count. */
export function forEachWindow(
  L: PoolLayout, includePad: boolean,
  visit: (o: number, base: number, r0: number, r1: number, c0: number, c1: number, scale: number) => void,
): void {
  const { rows, cols } = L;
  forEachPoolWindow(L, (o, base, a, b) => {
    const count = includePad ? rows.span[a]! * cols.span[b]! : (rows.hi[a]! - rows.lo[a]!) * (cols.hi[b]! - cols.lo[b]!);
    visit(o, base, rows.lo[a]!, rows.hi[a]!, cols.lo[b]!, cols.hi[b]!, 1 / count);
  });
}

/**
 * avgPool2d(x, {window, stride = window, ignoreBorder = true, padding = [0, 0], includePad = false}):
 * the mean of each window over the last two axes (Theano's pool_2d with an average mode).
 */
export function avgPool2d(x: VarLike, options: AvgPool2dOptions): Variable {
  const params = { ...resolvePoolOptions(options, 'avg_pool2d'), includePad: options.includePad ?? false };
  return new AvgPool2d(params).call(asVariable(x));
}
