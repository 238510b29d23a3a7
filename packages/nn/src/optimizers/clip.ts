import type { Variable } from '@hypatia/core';
import { add, div, maximum, mul, sqrt, square, sum } from '@hypatia/ops';

/** The global L2 norm of a list of gradients, as a scalar graph. */
export function globalNorm(grads: readonly Variable[]): Variable {
  return sqrt(grads.map((g) => sum(square(g))).reduce((a, b) => add(a, b)));
}

/**
 * Gradient-norm clipping: if the gradients' global norm exceeds `maxNorm`, scale them all down to it
 * (direction kept). Guards against the exploding gradients of deep or recurrent nets (Nielsen ch. 5).
 */
export function clipGradientNorm(grads: readonly Variable[], maxNorm: number): Variable[] {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradientNorm: maxNorm must be positive, got ${maxNorm}`);
  const scale = div(maxNorm, maximum(globalNorm(grads), maxNorm));
  return grads.map((g) => mul(g, scale));
}
