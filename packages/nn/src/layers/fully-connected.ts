import type { Variable } from '@hypatia/core';
import { sigmoid, activationByName, type Activation } from './activations.js';
import type { LayerConfig } from './layer.js';
import { DenseLayer, type DenseLayerOptions } from './dense-layer.js';
import { normalArray } from '../init/initializers.js';

/** Options of FullyConnectedLayer: a dense layer's, and its activation (default sigmoid). */
export interface FullyConnectedOptions extends DenseLayerOptions {
  activation?: Activation;
}

/** network3's FullyConnectedLayer: activation(x w + b), initialised as network3: w ~ N(0, 1/nOut), b ~ N(0, 1). */
export class FullyConnectedLayer extends DenseLayer {
  readonly activation: Activation;

  constructor({ activation = sigmoid, ...options }: FullyConnectedOptions) {
    super('FullyConnectedLayer', options, (rng, nIn, nOut) => ({ w: normalArray([nIn, nOut], Math.sqrt(1 / nOut), rng), b: normalArray([nOut], 1, rng) }));
    this.activation = activation;
  }

  protected activate(z: Variable): Variable {
    return this.activation(z);
  }

  config(): LayerConfig {
    return { ...this.denseConfig(), activation: this.activation.name };
  }

  static fromConfig(c: LayerConfig): FullyConnectedLayer {
    return new FullyConnectedLayer({ nIn: c.nIn as number, nOut: c.nOut as number, activation: activationByName(c.activation as string), pDropout: c.pDropout as number, seed: c.seed as number });
  }
}
