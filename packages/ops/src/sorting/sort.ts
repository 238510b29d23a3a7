import { type Variable } from '@hypatia/core';
import { asVariable, normAxis, type VarLike } from '../util/as-variable.js';
import { takeAlongAxis } from '../indexing/take-along-axis.js';
import { ArgSort } from './argsort.js';

/** Options of `topk` and `argtopk`. */
export interface TopKOptions {
  /** The k largest, largest first (default); false: the k smallest, smallest first. */
  largest?: boolean;
}

function lineAxis(x: Variable, axis: number, op: string): number {
  if (x.ndim === 0) throw new RangeError(`${op}: needs at least one axis, got a scalar ${x.type}`);
  return normAxis(axis, x.ndim, op);
}

/** The positions that sort x along `axis` (default the last): stable, ascending, NaN last, as NumPy's argsort(kind='stable'). */
export function argsort(x: VarLike, axis = -1): Variable {
  const v = asVariable(x);
  return new ArgSort(lineAxis(v, axis, 'argsort')).call(v);
}

/**
 * x sorted along `axis` (default the last): stable, ascending, NaN last, as NumPy's sort. It is x
 * gathered at argsort(x), so its gradient sends each output's gradient back to the element that
 * landed there.
 */
export function sort(x: VarLike, axis = -1): Variable {
  const v = asVariable(x);
  const a = lineAxis(v, axis, 'sort');
  return takeAlongAxis(v, new ArgSort(a).call(v), a);
}

/**
 * The positions of the k largest elements along `axis` (default the last), largest first, NaN
 * counting as the largest and ties in their order (Theano's argtopk, sorted); `largest: false`:
 * the k smallest, smallest first. k is fixed when the graph is built; more than the axis holds is
 * an error.
 */
export function argtopk(x: VarLike, k: number, axis = -1, opts: TopKOptions = {}): Variable {
  const v = asVariable(x);
  return new ArgSort(lineAxis(v, axis, 'argtopk'), opts.largest ?? true, k).call(v);
}

/** The k largest elements along `axis` (default the last), largest first (Theano's topk, sorted); see argtopk. */
export function topk(x: VarLike, k: number, axis = -1, opts: TopKOptions = {}): Variable {
  const v = asVariable(x);
  const a = lineAxis(v, axis, 'topk');
  return takeAlongAxis(v, new ArgSort(a, opts.largest ?? true, k).call(v), a);
}
