import type { Apply, GradResult, KernelProgram, Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { logSoftmaxRows } from './row-kernels.js';
import { RowNormaliser } from './row-normaliser.js';
import { logSoftmaxProgram } from './softmax-kernels.js';
import { exp, mul, sub } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';

/**
 * log(softmax(x)) over the last axis, as x - max - log(sum(exp(x - max))): finite wherever x is,
 * where log of a softmax that underflowed to 0 gives -inf.
 */
export class LogSoftmax extends RowNormaliser {
  readonly name = 'log_softmax';

  protected readonly rowKernel = logSoftmaxRows;

  override kernels(node: Apply): KernelProgram {
    return logSoftmaxProgram(node);
  }

  /** dx = dy - softmax(x) * sum(dy): built from elementwise ops and a sum, so it fuses. */
  override grad(_xs: readonly Variable[], [y]: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [sub(g!, mul(exp(y!), sum(g!, -1, true)))];
  }
}

const logSoftmaxOp = new LogSoftmax();

/** log(softmax(x)) over the last axis, computed stably. */
export function logSoftmax(x: VarLike): Variable {
  return logSoftmaxOp.call(asVariable(x));
}
