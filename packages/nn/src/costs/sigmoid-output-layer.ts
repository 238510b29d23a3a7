import { shared, type SharedVariable, type Variable } from '@hypatia/core';
import { add, argmax, dot, reshape, sigmoid } from '@hypatia/ops';
import { connected, type LayerConfig, type OutputLayer } from '../layers/layer.js';
import { normalArray, nextLayerSeed } from '../init/initializers.js';
import { Rng } from '../init/rng.js';
import { oneHot, quadraticCost, sigmoidCrossEntropyCost } from './costs.js';

export type SigmoidCost = 'quadratic' | 'cross-entropy';

export interface SigmoidOutputOptions { nIn: number; nOut: number; cost?: SigmoidCost; seed?: number }

/**
 * Nielsen's network.py / network2.py output layer: sigmoid neurons, one per class, trained against
 * one-hot targets with either the quadratic or the cross-entropy cost, to compare the two (Nielsen 3.1).
 * Weights start as N(0, 1/nIn), biases N(0, 1).
 */
export class SigmoidOutputLayer implements OutputLayer {
  readonly nIn: number;
  readonly nOut: number;
  readonly costKind: SigmoidCost;
  readonly seed: number;
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  private built?: { z: Variable; zDropout: Variable; output: Variable; outputDropout: Variable; yOut: Variable };

  constructor({ nIn, nOut, cost = 'cross-entropy', seed = nextLayerSeed() }: SigmoidOutputOptions) {
    this.nIn = nIn; this.nOut = nOut; this.costKind = cost; this.seed = seed;
    const rng = new Rng(seed);
    this.w = shared(normalArray([nIn, nOut], Math.sqrt(1 / nIn), rng), { name: 'w' });
    this.b = shared(normalArray([nOut], 1, rng), { name: 'b' });
  }

  get params(): SharedVariable[] { return [this.w, this.b]; }
  get weights(): SharedVariable[] { return [this.w]; }
  get inputShape(): number[] { return [this.nIn]; }
  get outputShape(): number[] { return [this.nOut]; }

  setInput(input: Variable, inputDropout: Variable): void {
    const z = add(dot(reshape(input, [-1, this.nIn]), this.w), this.b);
    const zDropout = add(dot(reshape(inputDropout, [-1, this.nIn]), this.w), this.b);
    const output = sigmoid(z);
    this.built = { z, zDropout, output, outputDropout: sigmoid(zDropout), yOut: argmax(output, 1) };
  }

  get output(): Variable { return this.get().output; }
  get outputDropout(): Variable { return this.get().outputDropout; }
  get yOut(): Variable { return this.get().yOut; }

  cost(y: Variable): Variable {
    const t = oneHot(y, this.nOut);
    const b = this.get();
    return this.costKind === 'quadratic' ? quadraticCost(b.outputDropout, t) : sigmoidCrossEntropyCost(b.zDropout, t);
  }

  config(): LayerConfig {
    return { type: 'SigmoidOutputLayer', nIn: this.nIn, nOut: this.nOut, cost: this.costKind, seed: this.seed };
  }

  static fromConfig(c: LayerConfig): SigmoidOutputLayer {
    return new SigmoidOutputLayer({ nIn: c.nIn as number, nOut: c.nOut as number, cost: c.cost as SigmoidCost, seed: c.seed as number });
  }

  private get() { return connected(this.built, 'SigmoidOutputLayer', 'output'); }
}
