import type { Variable } from '@hypatia/core';
import { argmax, sigmoid } from '@hypatia/ops';
import { connected, type LayerConfig, type OutputLayer } from './layer.js';
import { DenseLayer, type DenseLayerOptions } from './dense-layer.js';
import { normalArray } from '../init/initializers.js';
import { oneHot, quadraticCost, sigmoidCrossEntropyCost } from '../costs/costs.js';

/** The cost a SigmoidOutputLayer trains with. */
export type SigmoidCost = 'quadratic' | 'cross-entropy';

/** Options of SigmoidOutputLayer: a dense layer's, and its cost (default 'cross-entropy'). */
export interface SigmoidOutputOptions extends DenseLayerOptions { cost?: SigmoidCost }

/**
 * Nielsen's network.py / network2.py output layer: sigmoid neurons, one per class, trained against
 * one-hot targets with either the quadratic or the cross-entropy cost, to compare the two (Nielsen 3.1).
 * Weights start as N(0, 1/nIn), biases N(0, 1).
 */
export class SigmoidOutputLayer extends DenseLayer implements OutputLayer {
  readonly costKind: SigmoidCost;
  private predicted?: Variable;

  constructor({ cost = 'cross-entropy', ...options }: SigmoidOutputOptions) {
    super('SigmoidOutputLayer', options, (rng, nIn, nOut) => ({ w: normalArray([nIn, nOut], Math.sqrt(1 / nIn), rng), b: normalArray([nOut], 1, rng) }));
    this.costKind = cost;
  }

  protected activate(z: Variable): Variable {
    return sigmoid(z);
  }

  override setInput(input: Variable, inputDropout: Variable): void {
    super.setInput(input, inputDropout);
    this.predicted = argmax(this.output, 1);
  }

  get yOut(): Variable { return connected(this.predicted, 'SigmoidOutputLayer', 'yOut'); }

  cost(y: Variable): Variable {
    const t = oneHot(y, this.nOut);
    return this.costKind === 'quadratic' ? quadraticCost(this.outputDropout, t) : sigmoidCrossEntropyCost(this.zDropout, t);
  }

  config(): LayerConfig {
    return { ...this.denseConfig(), cost: this.costKind };
  }

  static fromConfig(c: LayerConfig): SigmoidOutputLayer {
    return new SigmoidOutputLayer({ nIn: c.nIn as number, nOut: c.nOut as number, cost: c.cost as SigmoidCost, pDropout: (c.pDropout as number | undefined) ?? 0, seed: c.seed as number });
  }
}
