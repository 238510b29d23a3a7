import { shared, type NDArray, type SharedVariable, type Variable } from '@hypatia/core';
import { add, dot, mul, reshape } from '@hypatia/ops';
import { connected, type Layer, type LayerConfig } from './layer.js';
import { DropoutLayer } from './dropout-layer.js';
import { nextLayerSeed } from '../init/initializers.js';
import { Rng } from '../init/rng.js';

/**
 * Options every dense layer takes: its input and output sizes, network3's dropout probability and the seed.
 */
export interface DenseLayerOptions {
  nIn: number;
  nOut: number;
  /** network3's dropout: the probability of dropping each input unit while training (default 0). */
  pDropout?: number;
  /** Seeds the initial parameters and the dropout masks. */
  seed?: number;
}

/** The initial weights [nIn, nOut] and biases [nOut], drawn from the layer's seeded generator. */
export type DenseInit = (rng: Rng, nIn: number, nOut: number) => { w: NDArray; b: NDArray };

/**
 * What network3's dense layers share: a weight matrix w [nIn, nOut] and a bias b [nOut] (only w is
 * decayed), initialised from the layer's seed, the affine map z = x w + b, and network3's dropout
 * handling. While training the input goes through a DropoutLayer in 'network3' mode (seeded by the
 * layer); at inference the weighted input is scaled by the keep probability, (1 - pDropout) x w + b,
 * as network3 writes it. A subclass gives the initialisation and `activate`, which turns z into the
 * layer's output.
 */
export abstract class DenseLayer implements Layer {
  readonly nIn: number;
  readonly nOut: number;
  readonly pDropout: number;
  readonly seed: number;
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  private readonly inputDropout: DropoutLayer;
  private built?: { z: Variable; zDropout: Variable; output: Variable; outputDropout: Variable };

  protected constructor(private readonly kind: string, { nIn, nOut, pDropout = 0, seed = nextLayerSeed() }: DenseLayerOptions, init: DenseInit) {
    checkSizes(kind, { nIn, nOut }, pDropout);
    this.nIn = nIn; this.nOut = nOut; this.pDropout = pDropout; this.seed = seed;
    const { w, b } = init(new Rng(seed), nIn, nOut);
    this.w = shared(w, { name: 'w' });
    this.b = shared(b, { name: 'b' });
    this.inputDropout = new DropoutLayer({ keep: 1 - pDropout, mode: 'network3', seed });
  }

  /** The layer's output for pre-activations z (the activation function, softmax, ...). */
  protected abstract activate(z: Variable): Variable;

  get params(): SharedVariable[] { return [this.w, this.b]; }
  get weights(): SharedVariable[] { return [this.w]; }
  get inputShape(): number[] { return [this.nIn]; }
  get outputShape(): number[] { return [this.nOut]; }

  setInput(input: Variable, inputDropout: Variable): void {
    const x = reshape(input, [-1, this.nIn]);
    const xd = this.inputDropout.training(reshape(inputDropout, [-1, this.nIn]));
    const z = add(mul(this.inputDropout.keep, dot(x, this.w)), this.b);
    const zDropout = add(dot(xd, this.w), this.b);
    this.built = { z, zDropout, output: this.activate(z), outputDropout: this.activate(zDropout) };
  }

  get output(): Variable { return this.outputs('output').output; }
  get outputDropout(): Variable { return this.outputs('outputDropout').outputDropout; }
  /** The pre-activations of the inference path. */
  get z(): Variable { return this.outputs('z').z; }
  /** The pre-activations of the training path (dropout applied). */
  get zDropout(): Variable { return this.outputs('zDropout').zDropout; }

  /** The options every dense layer saves; a subclass adds its own. */
  protected denseConfig(): LayerConfig {
    return { type: this.kind, nIn: this.nIn, nOut: this.nOut, pDropout: this.pDropout, seed: this.seed };
  }

  private outputs(what: string) {
    return connected(this.built, this.kind, what);
  }
}

/** Throws a RangeError naming `layer` unless every size is a positive integer and pDropout is in [0, 1). */
export function checkSizes(layer: string, sizes: Record<string, number>, pDropout: number): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${layer}: ${k} must be a positive integer, got ${v}`);
  }
  if (!(pDropout >= 0 && pDropout < 1)) throw new RangeError(`${layer}: pDropout must be in [0, 1), got ${pDropout}`);
}
