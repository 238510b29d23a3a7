import { DISCONNECTED, NDArray, Op, ShapeError, TensorType, onesLike, typedArrayFor, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { mul } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { dimshuffle } from '../shape/dimshuffle.js';
import { softmax } from './softmax.js';
import { softmaxGrad } from './softmax-grad.js';
import { checkLossGradientSize, labelColumns, labelLossType } from './labels.js';
import { softmaxRows } from './row-kernels.js';
import { softmaxCrossentropyGradProgram } from './crossentropy-kernels.js';

/** Gradient of the fused loss w.r.t. the logits: (softmax(z) - onehot(y)) * g[:, None]. */
export class SoftmaxCrossentropyGrad extends Op {
  readonly name = 'softmax_crossentropy_grad';

  inferTypes([g, z, y]: readonly TensorType[]): TensorType[] {
    const loss = labelLossType(z!, y!, 'the logits');
    if (g!.dtype !== loss.dtype || g!.ndim !== 1) throw new ShapeError(`the loss gradient ${g} must be a ${loss.dtype} vector like the loss`);
    return [z!];
  }

  perform([g, z, y]: readonly NDArray[], node: Apply): NDArray[] {
    const cols = labelColumns(this.name, z!, y!, node);
    const [n, k] = z!.shape as [number, number];
    checkLossGradientSize(this.name, g!.size, n, node);
    const out = typedArrayFor(z!.dtype, n * k);
    softmaxRows(z!.data, out, k);
    for (let i = 0; i < n; i++) {
      const gi = g!.data[i]!;
      const t = i * k + cols[i]!;
      out[t] = out[t]! - 1;
      for (let j = 0; j < k; j++) out[i * k + j] = out[i * k + j]! * gi;
    }
    return [new NDArray(z!.dtype, [n, k], out)];
  }

  override kernels(node: Apply): KernelProgram {
    return softmaxCrossentropyGradProgram(node);
  }

  /** Linear in g; in z only through softmax(z) * g. The labels have no gradient. */
  override grad([g, z, y]: readonly Variable[], _o: readonly Variable[], [h]: readonly Variable[]): GradResult[] {
    const perRow = sum(mul(h!, softmaxCrossentropyGrad(onesLike(g!), z!, y!)), 1);
    const throughSoftmax = mul(dimshuffle(g!, 0, 'x'), softmaxGrad(h!, softmax(z!)));
    return [perRow, throughSoftmax, DISCONNECTED];
  }
}

const op = new SoftmaxCrossentropyGrad();

/**
 * The gradient of the fused softmax cross-entropy with integer labels with respect to `logits`, for the incoming gradient `g`.
 */
export function softmaxCrossentropyGrad(g: Variable, logits: Variable, labels: Variable): Variable {
  return op.call(g, logits, labels);
}
