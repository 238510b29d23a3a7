import { NDArray, type Variable } from '@hypatia/core';
import { advancedIndex, arange, argmax, logSoftmax, mean, neg, shapeOf, softmax } from '@hypatia/ops';
import { connected, type LayerConfig, type OutputLayer } from './layer.js';
import { DenseLayer, type DenseLayerOptions } from './dense-layer.js';

/** `seed` seeds the dropout masks (the parameters start at zero). */
export type SoftmaxOptions = DenseLayerOptions;

/** The output layer of network3: softmax over nOut classes, zero-initialised, log-likelihood cost. */
export class SoftmaxLayer extends DenseLayer implements OutputLayer {
  private predicted?: Variable;

  constructor(options: SoftmaxOptions) {
    super('SoftmaxLayer', options, (_rng, nIn, nOut) => ({ w: NDArray.zeros('float32', [nIn, nOut]), b: NDArray.zeros('float32', [nOut]) }));
  }

  protected activate(z: Variable): Variable {
    return softmax(z);
  }

  override setInput(input: Variable, inputDropout: Variable): void {
    super.setInput(input, inputDropout);
    this.predicted = argmax(this.output, 1);
  }

  get yOut(): Variable { return connected(this.predicted, 'SoftmaxLayer', 'yOut'); }

  /** -mean(log p[y]) as network3, with log(softmax) taken as logSoftmax so that it cannot underflow to -inf. */
  cost(y: Variable): Variable {
    const logp = logSoftmax(this.zDropout);
    return neg(mean(advancedIndex(logp, [arange(shapeOf(y, 0)), y])));
  }

  config(): LayerConfig {
    return this.denseConfig();
  }

  static fromConfig(c: LayerConfig): SoftmaxLayer {
    return new SoftmaxLayer({ nIn: c.nIn as number, nOut: c.nOut as number, pDropout: c.pDropout as number, seed: c.seed as number });
  }
}
