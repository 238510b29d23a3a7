import type { SharedVariable, Update, Variable } from '@hypatia/core';
import { add, minimum, mul, div, sqrt, square, sum } from '@hypatia/ops';

/**
 * CS231n: max-norm constraints. After each update, project each unit's weight vector back inside the
 * ball ||w|| <= c; the network cannot "explode" even with large learning rates. For a weight matrix
 * [nIn, nOut] a unit's incoming vector is a column, so the norm runs over `axis` 0 by default (use 1
 * for [nOut, nIn] layouts, or [1, 2, 3] for conv filters [f, c, h, w]).
 */
export function projectMaxNorm(w: Variable, c: number, axis: number | readonly number[] = 0): Variable {
  if (!(c > 0)) throw new RangeError(`maxNorm: the bound must be positive, got ${c}`);
  const norms = sqrt(sum(square(w), axis, true));
  return mul(w, minimum(1, div(c, add(norms, 1e-12))));
}

/** Rewrites the updates of `constrained` parameters so their new values are projected (the update applies first, then the projection). */
export function withMaxNorm(updates: readonly Update[], constrained: readonly SharedVariable[], c: number, axis: number | readonly number[] = 0): Update[] {
  const set = new Set(constrained);
  return updates.map(([p, v]) => (set.has(p) ? [p, projectMaxNorm(v, c, axis)] as const : [p, v] as const));
}
