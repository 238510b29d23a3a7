import { NDArray, Op, TensorType, typedArrayFor, DISCONNECTED, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { labelColumns, labelLossType } from './labels.js';
import { logSumExp } from './row-kernels.js';
import { softmaxCrossentropyGrad } from './softmax-crossentropy-grad.js';
import { softmaxCrossentropyProgram } from './crossentropy-kernels.js';

/**
 * The fused loss -log(softmax(z))[i, y_i] = logsumexp(z_i) - z_i[y_i], one value per row. Stable for
 * any finite logits, and its gradient softmax(z) - onehot(y) never divides by a probability. The
 * stabilising rewrites turn network3's `-mean(log(softmax(z))[arange(n), y])` into this.
 */
export class SoftmaxCrossentropyWithLabels extends Op {
  readonly name = 'softmax_crossentropy_with_labels';

  inferTypes([z, y]: readonly TensorType[]): TensorType[] {
    return [labelLossType(z!, y!, 'the logits')];
  }

  perform([z, y]: readonly NDArray[], node: Apply): NDArray[] {
    const cols = labelColumns(this.name, z!, y!, node);
    const [n, k] = z!.shape as [number, number];
    const out = typedArrayFor(z!.dtype, n);
    for (let i = 0; i < n; i++) out[i] = logSumExp(z!.data, i * k, k) - z!.data[i * k + cols[i]!]!;
    return [new NDArray(z!.dtype, [n], out)];
  }

  override kernels(node: Apply): KernelProgram {
    return softmaxCrossentropyProgram(node);
  }

  override grad([z, y]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [softmaxCrossentropyGrad(g!, z!, y!), DISCONNECTED];
  }
}

const op = new SoftmaxCrossentropyWithLabels();

/** Per-row negative log-likelihood of int32 `labels` under softmax(`logits`), computed from the logits. */
export function softmaxCrossentropyWithLabels(logits: VarLike, labels: VarLike): Variable {
  return op.call(asVariable(logits), asVariable(labels));
}
