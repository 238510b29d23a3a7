import { shared, type SharedVariable, type Variable } from '@hypatia/core';
import { add, dot, mul, reshape } from '@hypatia/ops';
import { sigmoid, activationByName, type Activation } from './activations.js';
import { connected, type Layer, type LayerConfig } from './layer.js';
import { dropout } from './dropout.js';
import { normalArray, nextLayerSeed } from '../init/initializers.js';
import { Rng } from '../init/rng.js';

export interface FullyConnectedOptions {
  nIn: number;
  nOut: number;
  activation?: Activation;
  pDropout?: number;
  /** Seeds the initial weights and the dropout masks. */
  seed?: number;
}

/** A dense layer, initialised as network3: w ~ N(0, 1/nOut), b ~ N(0, 1). */
export class FullyConnectedLayer implements Layer {
  readonly nIn: number;
  readonly nOut: number;
  readonly activation: Activation;
  readonly pDropout: number;
  readonly seed: number;
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  private built?: { output: Variable; outputDropout: Variable };

  constructor({ nIn, nOut, activation = sigmoid, pDropout = 0, seed = nextLayerSeed() }: FullyConnectedOptions) {
    checkSizes('FullyConnectedLayer', { nIn, nOut }, pDropout);
    this.nIn = nIn; this.nOut = nOut; this.activation = activation; this.pDropout = pDropout; this.seed = seed;
    const rng = new Rng(seed);
    this.w = shared(normalArray([nIn, nOut], Math.sqrt(1 / nOut), rng), { name: 'w' });
    this.b = shared(normalArray([nOut], 1, rng), { name: 'b' });
  }

  get params(): SharedVariable[] { return [this.w, this.b]; }
  get weights(): SharedVariable[] { return [this.w]; }
  get inputShape(): number[] { return [this.nIn]; }
  get outputShape(): number[] { return [this.nOut]; }

  setInput(input: Variable, inputDropout: Variable): void {
    const x = reshape(input, [-1, this.nIn]);
    const xd = dropout(reshape(inputDropout, [-1, this.nIn]), this.pDropout, this.seed);
    this.built = {
      output: this.activation(add(mul(1 - this.pDropout, dot(x, this.w)), this.b)),
      outputDropout: this.activation(add(dot(xd, this.w), this.b)),
    };
  }

  get output(): Variable { return connected(this.built, 'FullyConnectedLayer', 'output').output; }
  get outputDropout(): Variable { return connected(this.built, 'FullyConnectedLayer', 'outputDropout').outputDropout; }

  config(): LayerConfig {
    return { type: 'FullyConnectedLayer', nIn: this.nIn, nOut: this.nOut, activation: this.activation.name, pDropout: this.pDropout, seed: this.seed };
  }

  static fromConfig(c: LayerConfig): FullyConnectedLayer {
    return new FullyConnectedLayer({ nIn: c.nIn as number, nOut: c.nOut as number, activation: activationByName(c.activation as string), pDropout: c.pDropout as number, seed: c.seed as number });
  }
}

export function checkSizes(layer: string, sizes: Record<string, number>, pDropout: number): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${layer}: ${k} must be a positive integer, got ${v}`);
  }
  if (!(pDropout >= 0 && pDropout < 1)) throw new RangeError(`${layer}: pDropout must be in [0, 1), got ${pDropout}`);
}
