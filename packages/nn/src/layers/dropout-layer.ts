import type { Variable } from '@hypatia/core';
import { RandomStreams, castTo, div, mul } from '@hypatia/ops';
import { connected, type Layer, type LayerConfig } from './layer.js';
import { nextLayerSeed } from '../init/initializers.js';

/**
 * 'inverted' (CS231n): scale the kept units by 1/keep while training, so inference is the plain
 * forward pass. 'network3' (Nielsen): drop without scaling while training and multiply by keep at
 * test time. Both keep the expected activation at test time equal to the training expectation.
 */
export type DropoutMode = 'inverted' | 'network3';

/** Options of DropoutLayer: the keep probability, the mode and the seed. */
export interface DropoutLayerOptions {
  /** Probability of keeping a unit (CS231n's p). Per layer: put one DropoutLayer, with its own p, after each layer to drop. */
  keep: number;
  /** Default 'inverted'. */
  mode?: DropoutMode;
  /** Seeds the masks. */
  seed?: number;
}

/**
 * Nielsen 3.2 / CS231n: dropout. Each mini-batch trains a random thinned network; the units cannot
 * co-adapt, which acts like averaging the predictions of many networks. A layer with no parameters,
 * placed between two layers of a Network; the dense layers' `pDropout` is one of these in 'network3'
 * mode on their input.
 */
export class DropoutLayer implements Layer {
  readonly keep: number;
  readonly mode: DropoutMode;
  readonly seed: number;
  readonly params = [];
  readonly weights = [];
  readonly keepsShape = true;
  private built?: { output: Variable; outputDropout: Variable };

  constructor({ keep, mode = 'inverted', seed = nextLayerSeed() }: DropoutLayerOptions) {
    if (!(keep > 0 && keep <= 1)) throw new RangeError(`DropoutLayer: keep must be in (0, 1], got ${keep}`);
    if (mode !== 'inverted' && mode !== 'network3') throw new RangeError(`DropoutLayer: mode must be 'inverted' or 'network3', got '${mode}'`);
    this.keep = keep; this.mode = mode; this.seed = seed;
  }

  setInput(input: Variable, inputDropout: Variable): void {
    this.built = { output: this.inference(input), outputDropout: this.training(inputDropout) };
  }

  /** The training-time output: a fresh Bernoulli(keep) mask on every call of the compiled function. */
  training(x: Variable): Variable {
    if (this.keep === 1) return x;
    // A variable as size means "the shape of this one", known only at run time.
    const mask = castTo(new RandomStreams(this.seed).binomial({ size: x, p: this.keep }), x.dtype);
    return this.mode === 'inverted' ? div(mul(x, mask), this.keep) : mul(x, mask);
  }

  /** The test-time output: deterministic. */
  inference(x: Variable): Variable {
    return this.mode === 'inverted' || this.keep === 1 ? x : mul(x, this.keep);
  }

  get output(): Variable { return connected(this.built, 'DropoutLayer', 'output').output; }
  get outputDropout(): Variable { return connected(this.built, 'DropoutLayer', 'outputDropout').outputDropout; }

  config(): LayerConfig {
    return { type: 'DropoutLayer', keep: this.keep, mode: this.mode, seed: this.seed };
  }

  static fromConfig(c: LayerConfig): DropoutLayer {
    return new DropoutLayer({ keep: c.keep as number, mode: c.mode as DropoutMode, seed: c.seed as number });
  }
}

/** network3's dropout_layer: zero each unit of `x` with probability pDropout, without rescaling (a DropoutLayer's training output in 'network3' mode). */
export function dropout(x: Variable, pDropout: number, seed: number): Variable {
  return new DropoutLayer({ keep: 1 - pDropout, mode: 'network3', seed }).training(x);
}
