import { Op, ShapeError, TensorType, type Apply, type NDArray, type GradResult, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { requireFloat } from './float-check.js';
import { softmaxGrad } from './softmax-grad.js';
import { lastAxis, reuseOrAlloc, softmaxRows } from './row-kernels.js';

/**
 * softmax over the last axis: exp(x - max) / sum(exp(x - max)). Subtracting the row max keeps every
 * exponent <= 0, so large logits give exact 0s and 1s instead of inf/inf.
 */
export class Softmax extends Op {
  readonly name = 'softmax';

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    requireFloat(t!, 'the input');
    if (t!.ndim < 1) throw new ShapeError('needs at least one axis (it normalises over the last one)');
    return [t!];
  }

  perform([x]: readonly NDArray[], _node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const out = reuseOrAlloc(x!, reuse?.[0]);
    softmaxRows(x!.data, out.data, lastAxis(x!));
    return [out];
  }

  override grad(_xs: readonly Variable[], [y]: readonly Variable[], [g]: readonly (Variable | null)[]): GradResult[] {
    return [softmaxGrad(g!, y!)];
  }
}

const softmaxOp = new Softmax();

/** Softmax over the last axis (Theano's `T.nnet.softmax`, which works on rows of a matrix). */
export function softmax(x: VarLike): Variable {
  return softmaxOp.call(asVariable(x));
}
