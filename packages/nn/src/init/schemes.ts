import { NDArray, type SharedVariable } from '@hypatia/core';
import type { Layer } from '../layers/layer.js';
import { normalArray } from './initializers.js';
import { Rng } from './rng.js';

/**
 * Weight initialisations from the texts, as the standard deviation of a zero-mean Gaussian:
 * - 'large': N(0, 1), Nielsen's first network: z = sum w x has std ~ sqrt(n_in), so hidden neurons start saturated.
 * - 'nielsen': N(0, 1/n_in), Nielsen 3.3: keeps z's std near 1, so sigmoid neurons start unsaturated.
 * - 'xavier': N(0, 2/(n_in + n_out)), Glorot and Bengio: balances the variance of activations and gradients.
 * - 'he': N(0, 2/n_in), He et al. (CS231n's recommendation for ReLU): the factor 2 makes up for the half ReLU zeroes.
 */
export type WeightInit = 'large' | 'nielsen' | 'xavier' | 'he';

/** Biases: 'zero' (CS231n's default), a small constant such as 0.01 (so ReLUs start active), or 'normal' N(0, 1) (network3). */
export type BiasInit = 'zero' | 'normal' | number;

/** The standard deviation `scheme` gives a weight with these fan-in and fan-out. */
export function weightStd(scheme: WeightInit, fanIn: number, fanOut: number): number {
  switch (scheme) {
    case 'large': return 1;
    case 'nielsen': return Math.sqrt(1 / fanIn);
    case 'xavier': return Math.sqrt(2 / (fanIn + fanOut));
    case 'he': return Math.sqrt(2 / fanIn);
  }
}

/** Fan-in and fan-out of a weight tensor: [nIn, nOut] for dense layers, [filters, channels, h, w] for convolutions. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  if (shape.length === 4) {
    const area = shape[2]! * shape[3]!;
    return [shape[1]! * area, shape[0]! * area];
  }
  throw new RangeError(`fans: expected a weight of 2 or 4 dimensions, got [${shape}]`);
}

/** Initial weights of `shape` drawn from N(0, weightStd^2) for `scheme`, from `rng`. */
export function initWeights(scheme: WeightInit, shape: readonly number[], rng: Rng): NDArray {
  const [fanIn, fanOut] = fans(shape);
  return normalArray(shape, weightStd(scheme, fanIn, fanOut), rng);
}

/** Initial biases of `shape` for `scheme`: zeros, a constant, or N(0, 1) from `rng`. */
export function initBias(scheme: BiasInit, shape: readonly number[], rng: Rng): NDArray {
  if (scheme === 'normal') return normalArray(shape, 1, rng);
  const a = NDArray.zeros('float32', shape);
  if (typeof scheme === 'number') a.data.fill(scheme);
  return a;
}

/** A layer with a weight `w` and a bias `b` (dense, softmax and convolutional layers). */
interface WeightedLayer extends Layer { readonly w: SharedVariable; readonly b: SharedVariable }

function isWeighted(l: Layer): l is WeightedLayer {
  const c = l as Partial<WeightedLayer>;
  return c.w !== undefined && c.b !== undefined;
}

/**
 * Re-draw every layer's weights and biases with the given schemes (layers without w and b, such as
 * dropout or batch norm, are left alone). Returns the number of layers reinitialised.
 */
export function reinitialise(layers: readonly Layer[], options: { weights: WeightInit; biases?: BiasInit; seed?: number; skipLast?: boolean }): number {
  const rng = new Rng(options.seed ?? 0);
  const targets = (options.skipLast ? layers.slice(0, -1) : layers).filter(isWeighted);
  for (const l of targets) {
    // Shapes without reading the values, which may live on a GPU.
    l.w.set(initWeights(options.weights, l.w.valueShape, rng));
    l.b.set(initBias(options.biases ?? 'zero', l.b.valueShape, rng));
  }
  return targets.length;
}
