import { shared, type SharedVariable, type Variable } from '@hypatia/core';
import { add, conv2d, dimshuffle, maxPool2d, reshape } from '@hypatia/ops';
import { sigmoid, activationByName, type Activation } from './activations.js';
import { connected, type Layer, type LayerConfig } from './layer.js';
import { normalArray, nextLayerSeed } from '../init/initializers.js';
import { Rng } from '../init/rng.js';

/**
 * Options of ConvPoolLayer: network3's filter and image shapes, the pool size (default [2, 2]), the activation (default sigmoid) and the seed.
 */
export interface ConvPoolOptions {
  /** [filters, input feature maps, filter height, filter width] */
  filterShape: readonly [number, number, number, number];
  /** [mini-batch size, input feature maps, image height, image width] (the batch entry is informative: any batch size runs). */
  imageShape: readonly [number, number, number, number];
  poolSize?: readonly [number, number];
  activation?: Activation;
  seed?: number;
}

/**
 * network3's ConvPoolLayer: a valid convolution, max-pooling (ignoring the border), then the
 * activation of pooled + bias. No dropout in convolutional layers, as in the book.
 */
export class ConvPoolLayer implements Layer {
  readonly filterShape: readonly [number, number, number, number];
  readonly imageShape: readonly [number, number, number, number];
  readonly poolSize: readonly [number, number];
  readonly activation: Activation;
  readonly seed: number;
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  private built?: Variable;

  constructor({ filterShape, imageShape, poolSize = [2, 2], activation = sigmoid, seed = nextLayerSeed() }: ConvPoolOptions) {
    const all = [...filterShape, ...imageShape.slice(1), ...poolSize];
    if (filterShape.length !== 4 || imageShape.length !== 4 || poolSize.length !== 2 || all.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`ConvPoolLayer: filterShape and imageShape need 4 positive integers and poolSize 2 (got [${filterShape}], [${imageShape}], [${poolSize}])`);
    }
    if (filterShape[1] !== imageShape[1]) {
      throw new RangeError(`ConvPoolLayer: the filters expect ${filterShape[1]} input feature maps but imageShape has ${imageShape[1]}`);
    }
    if (filterShape[2] > imageShape[2] || filterShape[3] > imageShape[3]) {
      throw new RangeError(`ConvPoolLayer: filter ${filterShape[2]}x${filterShape[3]} is larger than the image ${imageShape[2]}x${imageShape[3]}`);
    }
    this.filterShape = filterShape; this.imageShape = imageShape; this.poolSize = poolSize; this.activation = activation; this.seed = seed;
    // network3: n_out = filters * filter area / pool area; w ~ N(0, 1/n_out), b ~ N(0, 1).
    const nOut = (filterShape[0] * filterShape[2] * filterShape[3]) / (poolSize[0] * poolSize[1]);
    const rng = new Rng(seed);
    this.w = shared(normalArray(filterShape, Math.sqrt(1 / nOut), rng), { name: 'w' });
    this.b = shared(normalArray([filterShape[0]], 1, rng), { name: 'b' });
  }

  get params(): SharedVariable[] { return [this.w, this.b]; }
  get weights(): SharedVariable[] { return [this.w]; }

  /** [input feature maps, height, width] of one image (a row of the input holds c * h * w values). */
  get inputShape(): [number, number, number] {
    const [, c, h, w] = this.imageShape;
    return [c, h, w];
  }

  /** [feature maps, height, width] of the output. */
  get outputShape(): [number, number, number] {
    const [f, , fh, fw] = this.filterShape;
    const [, , h, w] = this.imageShape;
    return [f, Math.floor((h - fh + 1) / this.poolSize[0]), Math.floor((w - fw + 1) / this.poolSize[1])];
  }

  setInput(input: Variable): void {
    const [, c, h, w] = this.imageShape;
    const x = reshape(input, [-1, c, h, w]);
    const pooled = maxPool2d(conv2d(x, this.w), { window: this.poolSize, ignoreBorder: true });
    this.built = this.activation(add(pooled, dimshuffle(this.b, 'x', 0, 'x', 'x')));
  }

  get output(): Variable { return connected(this.built, 'ConvPoolLayer', 'output'); }
  /** No dropout in the convolutional layers: the same as output. */
  get outputDropout(): Variable { return this.output; }

  config(): LayerConfig {
    return { type: 'ConvPoolLayer', filterShape: [...this.filterShape], imageShape: [...this.imageShape], poolSize: [...this.poolSize], activation: this.activation.name, seed: this.seed };
  }

  static fromConfig(c: LayerConfig): ConvPoolLayer {
    return new ConvPoolLayer({
      filterShape: c.filterShape as [number, number, number, number],
      imageShape: c.imageShape as [number, number, number, number],
      poolSize: c.poolSize as [number, number],
      activation: activationByName(c.activation as string),
      seed: c.seed as number,
    });
  }
}
