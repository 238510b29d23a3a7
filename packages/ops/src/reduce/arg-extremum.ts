import { DISCONNECTED, NDArray, Op, TensorType, reductionProgram, stridesOf, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { gatherStrided } from '../shape/dimshuffle.js';
import { checkAxes, normAxes } from './reduce-kernel.js';
import { keptShape } from './axis-reduction.js';
import { checkNotEmpty, type ExtremumKind } from './extremum.js';

/**
 * Index of the largest (or smallest) element over `axes`, as int32. Over several axes the index
 * counts through those axes in row-major order, as if they were flattened. The first occurrence
 * wins ties; a NaN counts as the extreme (NumPy's rule). It has no gradient.
 */
export class ArgExtremum extends Op {
  readonly name: 'argmax' | 'argmin';
  constructor(readonly kind: ExtremumKind, readonly axes: readonly number[], readonly keepdims: boolean) {
    super();
    this.name = kind === 'max' ? 'argmax' : 'argmin';
  }

  // The name already carries the kind.
  static override readonly props = ['axes', 'keepdims'];

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    checkAxes(this.axes, t!.ndim);
    return [new TensorType('int32', keptShape(t!.shape, this.axes, this.keepdims))];
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    checkNotEmpty(this.name, x!, this.axes, node);
    // Move the reduced axes last, so each result scans one contiguous block.
    const kept = x!.shape.map((_, i) => i).filter((i) => !this.axes.includes(i));
    const order = [...kept, ...this.axes];
    const strides = stridesOf(x!.shape);
    const moved = gatherStrided(x!, order.map((a) => x!.shape[a]!), order.map((a) => strides[a]!));
    const block = this.axes.reduce((n, a) => n * x!.shape[a]!, 1);
    const outShape = keptShape(x!.shape, this.axes, this.keepdims);
    const out = NDArray.zeros('int32', outShape);
    const d = moved.data;
    const isMax = this.kind === 'max';
    for (let o = 0; o < out.size; o++) {
      const base = o * block;
      let best = d[base]!;
      let at = 0;
      for (let j = 1; j < block && !Number.isNaN(best); j++) {
        const v = d[base + j]!;
        if (isMax ? !(v <= best) : !(v >= best)) {
          best = v;
          at = j;
        }
      }
      out.data[o] = at;
    }
    return [out];
  }

  override kernels(node: Apply): KernelProgram {
    return reductionProgram(node, { fold: this.name, axes: this.axes, check: (shape) => checkNotEmpty(this.name, { shape }, this.axes, node) });
  }

  override grad(): GradResult[] {
    return [DISCONNECTED];
  }
}

function argExtremum(kind: ExtremumKind, x: VarLike, axis: number | readonly number[] | undefined, keepdims: boolean): Variable {
  const v = asVariable(x);
  const axes = normAxes(axis, v.ndim, kind === 'max' ? 'argmax' : 'argmin');
  return new ArgExtremum(kind, axes, keepdims).call(v);
}

/** Index of the maximum over `axes` (default all, flattened), int32. */
export function argmax(x: VarLike, axis?: number | readonly number[], keepdims = false): Variable {
  return argExtremum('max', x, axis, keepdims);
}

/** Index of the minimum over `axes` (default all, flattened), int32. */
export function argmin(x: VarLike, axis?: number | readonly number[], keepdims = false): Variable {
  return argExtremum('min', x, axis, keepdims);
}
