import { NDArray, shared, type SharedVariable, type Variable } from '@hypatia/core';
import { add, advancedIndex, arange, argmax, dot, logSoftmax, mean, mul, neg, reshape, shapeOf, softmax } from '@hypatia/ops';
import { connected, type LayerConfig, type OutputLayer } from './layer.js';
import { dropout } from './dropout.js';
import { checkSizes } from './fully-connected.js';
import { nextLayerSeed } from '../init/initializers.js';

export interface SoftmaxOptions {
  nIn: number;
  nOut: number;
  pDropout?: number;
  /** Seeds the dropout masks (the parameters start at zero). */
  seed?: number;
}

/** The output layer of network3: softmax over nOut classes, zero-initialised, log-likelihood cost. */
export class SoftmaxLayer implements OutputLayer {
  readonly nIn: number;
  readonly nOut: number;
  readonly pDropout: number;
  readonly seed: number;
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  private built?: { z: Variable; zDropout: Variable; output: Variable; outputDropout: Variable; yOut: Variable };

  constructor({ nIn, nOut, pDropout = 0, seed = nextLayerSeed() }: SoftmaxOptions) {
    checkSizes('SoftmaxLayer', { nIn, nOut }, pDropout);
    this.nIn = nIn; this.nOut = nOut; this.pDropout = pDropout; this.seed = seed;
    this.w = shared(NDArray.zeros('float32', [nIn, nOut]), { name: 'w' });
    this.b = shared(NDArray.zeros('float32', [nOut]), { name: 'b' });
  }

  get params(): SharedVariable[] { return [this.w, this.b]; }
  get weights(): SharedVariable[] { return [this.w]; }
  get inputShape(): number[] { return [this.nIn]; }
  get outputShape(): number[] { return [this.nOut]; }

  setInput(input: Variable, inputDropout: Variable): void {
    const x = reshape(input, [-1, this.nIn]);
    const xd = dropout(reshape(inputDropout, [-1, this.nIn]), this.pDropout, this.seed);
    const z = add(mul(1 - this.pDropout, dot(x, this.w)), this.b);
    const zDropout = add(dot(xd, this.w), this.b);
    const output = softmax(z);
    this.built = { z, zDropout, output, outputDropout: softmax(zDropout), yOut: argmax(output, 1) };
  }

  get output(): Variable { return this.get().output; }
  get outputDropout(): Variable { return this.get().outputDropout; }
  get yOut(): Variable { return this.get().yOut; }

  /** -mean(log p[y]) as network3, with log(softmax) taken as logSoftmax so that it cannot underflow to -inf. */
  cost(y: Variable): Variable {
    const logp = logSoftmax(this.get().zDropout);
    return neg(mean(advancedIndex(logp, [arange(shapeOf(y, 0)), y])));
  }

  config(): LayerConfig {
    return { type: 'SoftmaxLayer', nIn: this.nIn, nOut: this.nOut, pDropout: this.pDropout, seed: this.seed };
  }

  static fromConfig(c: LayerConfig): SoftmaxLayer {
    return new SoftmaxLayer({ nIn: c.nIn as number, nOut: c.nOut as number, pDropout: c.pDropout as number, seed: c.seed as number });
  }

  private get() {
    return connected(this.built, 'SoftmaxLayer', 'output');
  }
}
