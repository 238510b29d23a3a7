import { DISCONNECTED, HypatiaError, isFloat, reductionProgram, type Apply, type DType, type GradResult, type KernelProgram, type NDArray, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { castTo } from '../elementwise/broadcast.js';
import { eq, mul } from '../elementwise/arithmetic.js';
import { normAxes } from './reduce-kernel.js';
import { AxisReduction, restoreAxes } from './axis-reduction.js';

/** Which extreme a max/min reduction takes. */
export type ExtremumKind = 'max' | 'min';

/**
 * Largest (or smallest) element over `axes`, in the input's dtype. NaN propagates, as in NumPy.
 * The gradient flows to every position equal to the result (Theano's rule: ties share it).
 */
export class Extremum extends AxisReduction {
  readonly name: ExtremumKind;
  constructor(readonly kind: ExtremumKind, axes: readonly number[], keepdims: boolean) {
    super(axes, keepdims);
    this.name = kind;
  }

  protected outputDtype(dtype: DType): DType {
    return dtype;
  }

  override perform(inputs: readonly NDArray[], node: Apply): NDArray[] {
    checkNotEmpty(this.name, inputs[0]!, this.axes, node);
    return super.perform(inputs, node);
  }

  override kernels(node: Apply): KernelProgram {
    return reductionProgram(node, { fold: this.kind, axes: this.axes, check: (shape) => checkNotEmpty(this.name, { shape }, this.axes, node) });
  }

  override grad([x]: readonly Variable[], [out]: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    if (!isFloat(x!.dtype)) return [DISCONNECTED];
    const hit = eq(x!, restoreAxes(out!, this.axes, this.keepdims, x!.ndim));
    return [mul(castTo(hit, x!.dtype), restoreAxes(g!, this.axes, this.keepdims, x!.ndim))];
  }
}

/** A reduction with no identity (max, min, argmax) has no answer over an empty axis. */
export function checkNotEmpty(op: string, x: { readonly shape: readonly number[] }, axes: readonly number[], node: Apply): void {
  for (const a of axes) {
    if (x.shape[a] === 0) throw new HypatiaError(op, `cannot reduce over axis ${a} of length 0 (shape [${x.shape.join(', ')}])`, node.site);
  }
}

function extremum(kind: ExtremumKind, x: VarLike, axis: number | readonly number[] | undefined, keepdims: boolean): Variable {
  const v = asVariable(x);
  const axes = normAxes(axis, v.ndim, kind);
  if (!axes.length) return v;
  return new Extremum(kind, axes, keepdims).call(v);
}

/** Maximum over `axes` (default all; negatives count from the end). */
export function max(x: VarLike, axis?: number | readonly number[], keepdims = false): Variable {
  return extremum('max', x, axis, keepdims);
}

/** Minimum over `axes` (default all; negatives count from the end). */
export function min(x: VarLike, axis?: number | readonly number[], keepdims = false): Variable {
  return extremum('min', x, axis, keepdims);
}
