import type { Variable } from '@hypatia/core';
import {
  abs, add, advancedIndex, arange, binaryCrossentropy, castTo, dimshuffle, eq, logSoftmax, mean, mul, neg, relu, shapeOf,
  sigmoid, square, sub, sum,
} from '@hypatia/ops';

/**
 * A cost of a mini-batch: the mean over its rows of a per-example loss. Each takes the layer's
 * pre-activation `z` (logits / scores) where the text's argument depends on it, so that the
 * stabilising rewrites see sigmoid/softmax of z.
 */

/** Integer labels [n] as float one-hot rows [n, classes], built as a comparison so it stays in the graph. */
export function oneHot(labels: Variable, classes: number | Variable, dtype: Variable['dtype'] = 'float32'): Variable {
  return castTo(eq(dimshuffle(labels, 0, 'x'), dimshuffle(arange(classes), 'x', 0)), dtype);
}

/**
 * Nielsen 3.1: C = 1/2n sum ||y - a||^2. Its gradient carries sigma'(z), so a saturated wrong
 * neuron learns slowly; it is here to show that slowdown.
 */
export function quadraticCost(a: Variable, targets: Variable): Variable {
  return mean(mul(0.5, sum(square(sub(a, targets)), 1)));
}

/**
 * Nielsen 3.1: the cross-entropy -[y ln a + (1-y) ln(1-a)] for sigmoid outputs a = sigmoid(z). Its
 * gradient is (a - y): sigma'(z) cancels, so learning is fast exactly when the neuron is badly wrong.
 * Written on z as sigmoid(z) so the log-sigmoid rewrites keep it finite at saturation.
 */
export function sigmoidCrossEntropyCost(z: Variable, targets: Variable): Variable {
  return mean(sum(binaryCrossentropy(sigmoid(z), targets), 1));
}

/**
 * Nielsen 3.1 (softmax): the log-likelihood -ln a_y of a softmax output. With softmax it plays the role
 * cross-entropy plays for sigmoid: dC/dz = a - y, no learning slowdown. Taken as logSoftmax of z.
 */
export function logLikelihoodCost(z: Variable, labels: Variable): Variable {
  const logp = logSoftmax(z);
  return neg(mean(advancedIndex(logp, [arange(shapeOf(labels, 0)), labels])));
}

/**
 * CS231n: the multiclass SVM loss sum_{j != y} max(0, s_j - s_y + delta): it wants the right class's
 * score above every other by a margin and is indifferent once it is. `squared` gives the squared hinge.
 */
export function multiclassHingeCost(scores: Variable, labels: Variable, options: { delta?: number; squared?: boolean } = {}): Variable {
  const delta = options.delta ?? 1;
  const n = shapeOf(labels, 0);
  const correct = advancedIndex(scores, [arange(n), labels]);
  const margins = relu(add(sub(scores, dimshuffle(correct, 0, 'x')), delta));
  // The j = y term is max(0, delta) = delta in every row; mask it out rather than subtract, so squared works too.
  const others = sub(1, oneHot(labels, shapeOf(scores, 1), scores.dtype));
  const per = mul(others, options.squared ? square(margins) : margins);
  return mean(sum(per, 1));
}

/** CS231n regression: the L2 loss ||f - y||^2 per example (squared norm, no 1/2). */
export function l2RegressionCost(predictions: Variable, targets: Variable): Variable {
  return mean(sum(square(sub(predictions, targets)), 1));
}

/** CS231n regression: the L1 loss sum |f - y| per example, less swayed by outliers than L2. */
export function l1RegressionCost(predictions: Variable, targets: Variable): Variable {
  return mean(sum(abs(sub(predictions, targets)), 1));
}

/**
 * CS231n attribute classification: an independent binary logistic classifier per attribute, with
 * targets y_j in {-1, +1}: sum_j log(1 + exp(-y_j s_j)), written as cross-entropy of sigmoid(s) with
 * (y + 1) / 2 so that the same stable rewrites apply.
 */
export function binaryLogisticCost(scores: Variable, targetsPlusMinus: Variable): Variable {
  const t = mul(0.5, add(targetsPlusMinus, 1));
  return sigmoidCrossEntropyCost(scores, t);
}
