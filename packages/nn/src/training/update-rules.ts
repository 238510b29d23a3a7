import type { SharedVariable, Update, Variable } from '@hypatia/core';
import { mul, sub } from '@hypatia/ops';

/** Turns parameters and their gradients into shared-variable updates for one training step. */
export interface UpdateRule {
  readonly name: string;
  updates(params: readonly SharedVariable[], grads: readonly Variable[]): Update[];
}

/** Plain stochastic gradient descent, network3's rule: p <- p - eta * g. */
export function sgdRule(eta: number): UpdateRule {
  if (!(eta > 0)) throw new RangeError(`sgd: the learning rate must be positive, got ${eta}`);
  return {
    name: 'sgd',
    updates: (params, grads) => params.map((p, i) => [p, sub(p, mul(eta, grads[i]!))] as const),
  };
}
