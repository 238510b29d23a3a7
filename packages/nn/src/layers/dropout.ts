import type { Variable } from '@hypatia/core';
import { RandomStreams, castTo, mul } from '@hypatia/ops';

/** network3's dropout_layer: zero each unit with probability pDropout (no rescaling; `output` scales by 1 - p instead). */
export function dropout(x: Variable, pDropout: number, seed: number): Variable {
  if (pDropout === 0) return x;
  const streams = new RandomStreams(seed);
  // A variable as size means "the shape of this one", known only at run time.
  const mask = streams.binomial({ size: x, p: 1 - pDropout });
  return mul(x, castTo(mask, x.dtype));
}
