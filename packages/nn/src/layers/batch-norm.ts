import { NDArray, shared, type SharedVariable, type Update, type Variable } from '@hypatia/core';
import { add, dimshuffle, div, mean, mul, reshape, sqrt, square, sub } from '@hypatia/ops';
import { linear, type Activation } from './activations.js';
import { connected, type StatefulLayer } from './layer.js';

/**
 * Options of BatchNormLayer: the features, whether the input is convolutional, the running averages' momentum, epsilon and an activation.
 */
export interface BatchNormOptions {
  /** Units of a dense layer, or feature maps of a convolutional one. */
  features: number;
  /** Input [n, features, h, w]: normalise each feature map over the batch and both spatial axes. */
  conv?: boolean;
  /** Weight of the old value in the running averages (default 0.9). */
  momentum?: number;
  eps?: number;
  /** Applied after the normalisation (put BN between a linear layer and its nonlinearity, as CS231n does). */
  activation?: Activation;
}

/**
 * CS231n: batch normalisation. While training, each feature is normalised with its mini-batch mean
 * and variance, then scaled and shifted by learned gamma and beta; this keeps every layer's inputs
 * near unit Gaussian, which makes networks much less sensitive to initialisation and allows larger
 * learning rates. At inference it uses running averages of the batch statistics instead.
 */
export class BatchNormLayer implements StatefulLayer {
  readonly features: number;
  readonly conv: boolean;
  readonly momentum: number;
  readonly eps: number;
  readonly activation: Activation;
  readonly gamma: SharedVariable;
  readonly beta: SharedVariable;
  readonly runningMean: SharedVariable;
  readonly runningVar: SharedVariable;
  private built?: { output: Variable; outputDropout: Variable; updates: Update[] };

  constructor({ features, conv = false, momentum = 0.9, eps = 1e-5, activation = linear }: BatchNormOptions) {
    if (!Number.isInteger(features) || features <= 0) throw new RangeError(`BatchNormLayer: features must be a positive integer, got ${features}`);
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`BatchNormLayer: momentum must be in [0, 1), got ${momentum}`);
    this.features = features; this.conv = conv; this.momentum = momentum; this.eps = eps; this.activation = activation;
    const filled = (v: number, name: string) => { const a = NDArray.zeros('float32', [features]); a.data.fill(v); return shared(a, { name }); };
    this.gamma = filled(1, 'gamma'); this.beta = filled(0, 'beta');
    this.runningMean = filled(0, 'running_mean'); this.runningVar = filled(1, 'running_var');
  }

  /** gamma and beta are trained; they are not weights (no weight decay on them). */
  get params(): SharedVariable[] { return [this.gamma, this.beta]; }
  get weights(): SharedVariable[] { return []; }
  get keepsShape(): boolean { return true; }
  /** [features] for a dense input; a convolutional one's height and width are not known here. */
  get inputShape(): number[] | undefined { return this.conv ? undefined : [this.features]; }
  get outputShape(): number[] | undefined { return this.inputShape; }

  /** A per-feature vector [features] broadcast against the input's layout. */
  private perFeature(v: Variable): Variable {
    return this.conv ? dimshuffle(v, 'x', 0, 'x', 'x') : dimshuffle(v, 'x', 0);
  }

  private normalise(x: Variable, mu: Variable, variance: Variable): Variable {
    const xhat = div(sub(x, this.perFeature(mu)), sqrt(add(this.perFeature(variance), this.eps)));
    return this.activation(add(mul(this.perFeature(this.gamma), xhat), this.perFeature(this.beta)));
  }

  setInput(input: Variable, inputDropout: Variable): void {
    const shapeIn = (v: Variable) => (this.conv ? v : reshape(v, [-1, this.features]));
    const x = shapeIn(input);
    const xd = shapeIn(inputDropout);
    const axes = this.conv ? [0, 2, 3] : [0];
    const mu = mean(xd, axes);
    const variance = mean(square(sub(xd, this.conv ? dimshuffle(mu, 'x', 0, 'x', 'x') : dimshuffle(mu, 'x', 0))), axes);
    const m = this.momentum;
    this.built = {
      outputDropout: this.normalise(xd, mu, variance),
      output: this.normalise(x, this.runningMean, this.runningVar),
      updates: [
        [this.runningMean, add(mul(m, this.runningMean), mul(1 - m, mu))],
        [this.runningVar, add(mul(m, this.runningVar), mul(1 - m, variance))],
      ],
    };
  }

  get output(): Variable { return connected(this.built, 'BatchNormLayer', 'output').output; }
  get outputDropout(): Variable { return connected(this.built, 'BatchNormLayer', 'outputDropout').outputDropout; }
  /** The running-average updates; include them in the training function's updates. */
  stateUpdates(): Update[] { return connected(this.built, 'BatchNormLayer', 'stateUpdates').updates; }
  // No config(): the running averages are not parameters, so a saved network would lose them;
  // saving a network with batch norm fails loudly rather than reloading with the wrong statistics.
}
