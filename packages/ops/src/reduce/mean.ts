import { floatOf, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { castTo } from '../elementwise/broadcast.js';
import { div } from '../elementwise/arithmetic.js';
import { normAxes } from './reduce-kernel.js';
import { sum } from './sum.js';
import { reducedCount } from './count.js';

/**
 * Arithmetic mean over `axes` (default all; negatives count from the end). Always a float: integer
 * and bool inputs are averaged in float32. Built as sum / count, so rewrites and fusion see a sum.
 */
export function mean(x: VarLike, axis?: number | readonly number[], keepdims = false): Variable {
  const v = asVariable(x);
  const axes = normAxes(axis, v.ndim, 'mean');
  const xf = castTo(v, floatOf(v.dtype));
  if (!axes.length) return xf;
  return div(sum(xf, axes, keepdims), reducedCount(v, axes, xf.dtype));
}
