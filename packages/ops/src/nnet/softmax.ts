import type { Apply, GradResult, KernelProgram, Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { softmaxGrad } from './softmax-grad.js';
import { softmaxRows } from './row-kernels.js';
import { RowNormaliser } from './row-normaliser.js';
import { softmaxProgram } from './softmax-kernels.js';

/**
 * softmax over the last axis: exp(x - max) / sum(exp(x - max)). Subtracting the row max keeps every
 * exponent <= 0, so large logits give exact 0s and 1s instead of inf/inf.
 */
export class Softmax extends RowNormaliser {
  readonly name = 'softmax';

  protected readonly rowKernel = softmaxRows;

  override kernels(node: Apply): KernelProgram {
    return softmaxProgram(node);
  }

  override grad(_xs: readonly Variable[], [y]: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [softmaxGrad(g!, y!)];
  }
}

const softmaxOp = new Softmax();

/** Softmax over the last axis (Theano's `T.nnet.softmax`, which works on rows of a matrix). */
export function softmax(x: VarLike): Variable {
  return softmaxOp.call(asVariable(x));
}
