import { floatOf, scalarConstant, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { castTo } from '../elementwise/broadcast.js';
import { div, mul, sqrt, sub } from '../elementwise/arithmetic.js';
import { normAxes } from './reduce-kernel.js';
import { sum } from './sum.js';
import { mean } from './mean.js';
import { reducedCount } from './count.js';

/**
 * Variance over `axes` (default all): the mean squared deviation from the mean, divided by
 * count - ddof (ddof=1 gives the unbiased estimate). A composite of mean, sub, mul and sum, so its
 * gradient and fusion come from theirs.
 */
export function variance(x: VarLike, axis?: number | readonly number[], keepdims = false, ddof = 0): Variable {
  const v = asVariable(x);
  const axes = normAxes(axis, v.ndim, 'variance');
  if (!Number.isInteger(ddof) || ddof < 0) throw new RangeError(`variance: ddof must be a non-negative integer, got ${ddof}`);
  const xf = castTo(v, floatOf(v.dtype));
  const deviation = sub(xf, mean(xf, axes, true));
  const squares = sum(mul(deviation, deviation), axes, keepdims);
  const count = reducedCount(v, axes, xf.dtype);
  return div(squares, ddof === 0 ? count : sub(count, scalarConstant(ddof, xf.dtype)));
}

/** Standard deviation over `axes`: the square root of `variance`. */
export function std(x: VarLike, axis?: number | readonly number[], keepdims = false, ddof = 0): Variable {
  return sqrt(variance(x, axis, keepdims, ddof));
}
