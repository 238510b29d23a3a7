import { NDArray, Op, TypeRuleError, captureSite, TensorType, typedArrayFor, DISCONNECTED, isFloat, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { labelColumns, labelLossType } from './labels.js';
import { categoricalCrossentropyGrad } from './categorical-crossentropy-grad.js';
import { log, mul, neg } from '../elementwise/arithmetic.js';
import { categoricalCrossentropyProgram } from './crossentropy-kernels.js';
import { sum } from '../reduce/sum.js';

/** -log(p[i, y_i]) for a matrix of probabilities and int32 labels (Theano's CrossentropyCategorical1Hot). */
export class CategoricalCrossentropyWithLabels extends Op {
  readonly name = 'categorical_crossentropy_with_labels';

  inferTypes([p, y]: readonly TensorType[]): TensorType[] {
    return [labelLossType(p!, y!, 'the probabilities')];
  }

  perform([p, y]: readonly NDArray[], node: Apply): NDArray[] {
    const cols = labelColumns(this.name, p!, y!, node);
    const [n, k] = p!.shape as [number, number];
    const out = typedArrayFor(p!.dtype, n);
    for (let i = 0; i < n; i++) out[i] = -Math.log(p!.data[i * k + cols[i]!]!);
    return [new NDArray(p!.dtype, [n], out)];
  }

  override kernels(node: Apply): KernelProgram {
    return categoricalCrossentropyProgram(node);
  }

  override grad([p, y]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [categoricalCrossentropyGrad(g!, p!, y!), DISCONNECTED];
  }
}

const labelsOp = new CategoricalCrossentropyWithLabels();

/**
 * Per-row cross-entropy between predicted probabilities [n, k] and targets: either int32 class
 * labels [n] or a one-hot (or any distribution) matrix [n, k], as Theano's categorical_crossentropy.
 * With `softmax(z)` as the probabilities, the stabilising rewrites compute it from the logits.
 */
export function categoricalCrossentropy(probs: VarLike, targets: VarLike): Variable {
  const p = asVariable(probs);
  const t = asVariable(targets, [p]);
  if (t.dtype === 'int32' && t.ndim === 1) return labelsOp.call(p, t);
  if (!isFloat(t.dtype) || t.ndim !== 2 || p.ndim !== 2) {
    throw new TypeRuleError('categorical_crossentropy', `targets must be int32 labels [n] or a float matrix [n, k] with probabilities [n, k]; got probabilities ${p.type} and targets ${t.type}`, captureSite());
  }
  return neg(sum(mul(t, log(p)), 1));
}
