import { TypeRuleError, captureSite, isFloat, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { add, log, mul, neg, sub } from '../elementwise/arithmetic.js';

/**
 * Elementwise -(t log p + (1 - t) log(1 - p)), as Theano's binary_crossentropy. Written with log, so
 * that with p = sigmoid(x) the stabilising rewrites turn both logs into softplus of x.
 */
export function binaryCrossentropy(probs: VarLike, targets: VarLike): Variable {
  const p = asVariable(probs);
  const t = asVariable(targets, [p]);
  if (!isFloat(p.dtype)) throw new TypeRuleError('binary_crossentropy', `the probabilities must be float, got ${p.type}`, captureSite());
  return neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))));
}
