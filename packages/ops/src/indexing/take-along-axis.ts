import { type Variable } from '@hypatia/core';
import { asVariable, normAxis, type VarLike } from '../util/as-variable.js';
import { arange } from '../creation/arange.js';
import { shapeOf } from '../creation/shape-of.js';
import { dimshuffle } from '../shape/dimshuffle.js';
import { buildError } from '../shape/build-error.js';
import { AdvancedSubtensor, asIndex } from './advanced-subtensor.js';
import type { ValueLike } from '@hypatia/core';

/**
 * NumPy's take_along_axis: `out[..., j, ...] = x[..., indices[..., j, ...], ...]` along `axis`, with
 * an int32 index array of x's rank (its other axes as x's, or statically 1 to broadcast). It is
 * integer-array indexing with a position grid on every other axis (`x[arange(a)[:, None], idx]` on
 * a matrix), so its kernels and its gradient (a scatter-add) are AdvancedSubtensor's.
 */
export function takeAlongAxis(x: VarLike, indices: Variable | ValueLike, axis: number): Variable {
  const v = asVariable(x);
  const idx = asIndex(indices, 'takeAlongAxis');
  const a = normAxis(axis, v.ndim, 'takeAlongAxis');
  if (idx.ndim !== v.ndim) throw buildError('takeAlongAxis', `the indices need x's ${v.ndim} dimensions, got ${idx.type}`);
  const grids = Array.from({ length: v.ndim }, (_, d) => {
    if (d === a) return idx;
    const positions = v.shape[d] !== null ? arange(v.shape[d]!) : arange(shapeOf(v, d));
    return dimshuffle(positions, Array.from({ length: v.ndim }, (_, e) => (e === d ? 0 : 'x')));
  });
  return new AdvancedSubtensor(0).call(v, ...grids);
}
