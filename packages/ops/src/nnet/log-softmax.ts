import { Op, ShapeError, TensorType, type Apply, type GradResult, type NDArray, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { requireFloat } from './float-check.js';
import { lastAxis, logSoftmaxRows, reuseOrAlloc } from './row-kernels.js';
import { exp, mul, sub } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';

/**
 * log(softmax(x)) over the last axis, as x - max - log(sum(exp(x - max))): finite wherever x is,
 * where log of a softmax that underflowed to 0 gives -inf.
 */
export class LogSoftmax extends Op {
  readonly name = 'log_softmax';

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    requireFloat(t!, 'the input');
    if (t!.ndim < 1) throw new ShapeError('needs at least one axis (it normalises over the last one)');
    return [t!];
  }

  perform([x]: readonly NDArray[], _node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const out = reuseOrAlloc(x!, reuse?.[0]);
    logSoftmaxRows(x!.data, out.data, lastAxis(x!));
    return [out];
  }

  /** dx = dy - softmax(x) * sum(dy): built from elementwise ops and a sum, so it fuses. */
  override grad(_xs: readonly Variable[], [y]: readonly Variable[], [g]: readonly (Variable | null)[]): GradResult[] {
    return [sub(g!, mul(exp(y!), sum(g!, -1, true)))];
  }
}

const logSoftmaxOp = new LogSoftmax();

/** log(softmax(x)) over the last axis, computed stably. */
export function logSoftmax(x: VarLike): Variable {
  return logSoftmaxOp.call(asVariable(x));
}
