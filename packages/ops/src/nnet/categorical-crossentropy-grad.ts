import { DISCONNECTED, NDArray, Op, ShapeError, TensorType, onesLike, typedArrayFor, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { mul } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { categoricalCrossentropyGradProgram } from './crossentropy-kernels.js';
import { checkLossGradientSize, labelColumns, labelLossType } from './labels.js';

/** Gradient of -log(p[i, y_i]) w.r.t. p: -g_i / p[i, y_i] at the label, zero elsewhere. */
export class CategoricalCrossentropyGrad extends Op {
  readonly name = 'categorical_crossentropy_grad';

  inferTypes([g, p, y]: readonly TensorType[]): TensorType[] {
    const loss = labelLossType(p!, y!, 'the probabilities');
    if (g!.dtype !== loss.dtype || g!.ndim !== 1) throw new ShapeError(`the loss gradient ${g} must be a ${loss.dtype} vector like the loss`);
    return [p!];
  }

  perform([g, p, y]: readonly NDArray[], node: Apply): NDArray[] {
    const cols = labelColumns(this.name, p!, y!, node);
    const [n, k] = p!.shape as [number, number];
    checkLossGradientSize(this.name, g!.size, n, node);
    const out = typedArrayFor(p!.dtype, n * k);
    for (let i = 0; i < n; i++) {
      const t = i * k + cols[i]!;
      out[t] = -g!.data[i]! / p!.data[t]!;
    }
    return [new NDArray(p!.dtype, [n, k], out)];
  }

  override kernels(node: Apply): KernelProgram {
    return categoricalCrossentropyGradProgram(node);
  }

  /**
   * With q_i = -h[i, y_i] / p[i, y_i] (the gradient in g, as this op applied to ones picks it), the
   * gradient in p is g_i h[i, y_i] / p[i, y_i]^2 at the labels, which is this op applied to g * q.
   */
  override grad([g, p, y]: readonly Variable[], _o: readonly Variable[], [h]: readonly Variable[]): GradResult[] {
    const q = sum(mul(h!, categoricalCrossentropyGrad(onesLike(g!), p!, y!)), 1);
    return [q, categoricalCrossentropyGrad(mul(g!, q), p!, y!), DISCONNECTED];
  }
}

const op = new CategoricalCrossentropyGrad();

/**
 * The gradient of the categorical cross-entropy with integer labels with respect to `probs`, for the incoming gradient `g`.
 */
export function categoricalCrossentropyGrad(g: Variable, probs: Variable, labels: Variable): Variable {
  return op.call(g, probs, labels);
}
