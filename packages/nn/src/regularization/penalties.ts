import type { SharedVariable, Variable } from '@hypatia/core';
import { abs, add, div, mul, square, sum } from '@hypatia/ops';
import type { Layer } from '../layers/layer.js';

/**
 * The parameters a weight penalty applies to: each layer's `weights` (not its biases). Nielsen 3.2:
 * a large bias does not make a neuron sensitive to its inputs the way large weights do, so the
 * biases are conventionally not decayed; pass `includeBiases` to decay every parameter.
 */
export function penalisedParams(layers: readonly Layer[], includeBiases = false): SharedVariable[] {
  return layers.flatMap((l) => [...(includeBiases ? l.params : l.weights)]);
}

function total(terms: Variable[]): Variable | null {
  return terms.length ? terms.reduce((a, b) => add(a, b)) : null;
}

/**
 * Nielsen 3.2: L2 regularisation adds (lambda / 2n) sum w^2, so each step shrinks w by a factor
 * (1 - eta lambda / n) ("weight decay"), preferring small weights and simpler models. `n` is the size
 * of the training set (the cost is a per-example mean); returns null when there is nothing to penalise.
 */
export function l2Penalty(params: readonly SharedVariable[], lambda: number, n: number): Variable | null {
  const s = total(params.map((p) => sum(square(p))));
  return s && lambda > 0 ? mul(lambda / (2 * n), s) : null;
}

/**
 * network3's L2 term as its code writes it: 0.5 lambda sum w^2 divided by the number of mini-batches
 * (the text's l2Penalty divides by the training examples); what Network.sgd's lmbda adds.
 */
export function network3L2Penalty(params: readonly SharedVariable[], lambda: number, nBatches: number): Variable | null {
  const s = total(params.map((p) => sum(square(p))));
  return s && lambda > 0 ? div(mul(0.5 * lambda, s), nBatches) : null;
}

/**
 * Nielsen 3.2: L1 adds (lambda / n) sum |w|: it shrinks every weight by a constant amount, not by a
 * proportion, so it drives many weights to exactly zero and keeps a few large ones.
 */
export function l1Penalty(params: readonly SharedVariable[], lambda: number, n: number): Variable | null {
  const s = total(params.map((p) => sum(abs(p))));
  return s && lambda > 0 ? mul(lambda / n, s) : null;
}

/** CS231n: the elastic net, L1 and L2 together (lambda1 |w| + lambda2 w^2 / 2, per example). */
export function elasticNetPenalty(params: readonly SharedVariable[], lambda1: number, lambda2: number, n: number): Variable | null {
  return total([l1Penalty(params, lambda1, n), l2Penalty(params, lambda2, n)].filter((t): t is Variable => t !== null));
}

/** The cost plus any penalties (nulls skipped). */
export function withPenalties(cost: Variable, ...penalties: (Variable | null)[]): Variable {
  return penalties.reduce<Variable>((c, p) => (p ? add(c, p) : c), cost);
}
