import type { Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { dimshuffle } from './dimshuffle.js';
import { buildError } from './build-error.js';

function axisList(axis: number | readonly number[]): number[] {
  return typeof axis === 'number' ? [axis] : [...axis];
}

/**
 * Insert broadcastable length-1 axes at `axis` (positions in the result, negatives from its end),
 * as NumPy's expand_dims; Theano users write `x.dimshuffle(0, 'x')` for `expandDims(x, 1)`.
 */
export function expandDims(x: VarLike, axis: number | readonly number[]): Variable {
  const v = asVariable(x);
  const list = axisList(axis);
  const nd = v.ndim + list.length;
  const axes = list.map((a) => {
    const b = a < 0 ? a + nd : a;
    if (!Number.isInteger(b) || b < 0 || b >= nd) throw buildError('expandDims', `axis ${a} is out of range for a result of ${nd} dimensions`);
    return b;
  });
  if (new Set(axes).size !== axes.length) throw buildError('expandDims', `repeated axis in [${list.join(', ')}]`);
  const pattern: (number | 'x')[] = [];
  let k = 0;
  for (let i = 0; i < nd; i++) pattern.push(axes.includes(i) ? 'x' : k++);
  return dimshuffle(v, pattern);
}

/**
 * Remove length-1 axes: the given ones, or every one the type knows to be 1. Only statically-1
 * (broadcastable) axes can go, because an axis of unknown length may not be 1 at run time.
 */
export function squeeze(x: VarLike, axis?: number | readonly number[]): Variable {
  const v = asVariable(x);
  let axes: number[];
  if (axis === undefined) {
    axes = v.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  } else {
    axes = axisList(axis).map((a) => {
      const b = a < 0 ? a + v.ndim : a;
      if (!Number.isInteger(b) || b < 0 || b >= v.ndim) throw buildError('squeeze', `axis ${a} is out of range for ${v} : ${v.type}`);
      if (v.shape[b] !== 1) {
        throw buildError('squeeze', `axis ${a} of ${v} : ${v.type} has length ${v.shape[b] ?? 'unknown until run time'}; only axes statically of length 1 can be squeezed`);
      }
      return b;
    });
  }
  return dimshuffle(v, v.shape.flatMap((_, i) => (axes.includes(i) ? [] : [i])));
}
