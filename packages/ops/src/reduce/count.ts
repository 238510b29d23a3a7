import { scalarConstant, type DType, type Variable } from '@hypatia/core';
import { ShapeAt } from '../creation/shape-of.js';
import { castTo } from '../elementwise/broadcast.js';
import { mul } from '../elementwise/arithmetic.js';

/**
 * How many elements of `x` fold into each result of a reduction over `axes`, as a 0-d `dtype`
 * tensor: a constant when those axes are statically known, else the product of their run-time
 * lengths (so mean and variance stay correct for unknown batch sizes).
 */
export function reducedCount(x: Variable, axes: readonly number[], dtype: DType): Variable {
  let known = 1;
  let dynamic: Variable | null = null;
  for (const a of axes) {
    const d = x.shape[a];
    if (d !== null && d !== undefined) {
      known *= d;
    } else {
      const len = castTo(new ShapeAt(a).call(x), dtype);
      dynamic = dynamic ? mul(dynamic, len) : len;
    }
  }
  if (!dynamic) return scalarConstant(known, dtype);
  return known === 1 ? dynamic : mul(dynamic, scalarConstant(known, dtype));
}
