import { NDArray, shared, type SharedVariable, type Variable } from '@hypatia/core';
import { take } from '@hypatia/ops';
import { nextLayerSeed } from '../init/initializers.js';
import { Rng } from '../init/rng.js';

/** Options of EmbeddingLayer: the vocabulary size, the vector length, the seed and the dtype. */
export interface EmbeddingLayerOptions {
  /** Number of token ids (ids are in [0, vocab)). */
  vocab: number;
  /** Length of each token's vector. */
  dim: number;
  seed?: number;
  dtype?: 'float32' | 'float64';
}

/**
 * A lookup table of learned vectors, PyTorch's `nn.Embedding`: `weight` `[vocab, dim]` drawn from
 * N(0, 1) as PyTorch draws it; `apply(ids)` maps int32 ids of any shape to `[...ids.shape, dim]`
 * (a `[time, batch]` id tensor gives the `[time, batch, dim]` a recurrent layer reads). Its gradient
 * adds each id's incoming gradient into that id's row only.
 */
export class EmbeddingLayer {
  readonly vocab: number;
  readonly dim: number;
  readonly weight: SharedVariable;

  constructor({ vocab, dim, seed = nextLayerSeed(), dtype = 'float32' }: EmbeddingLayerOptions) {
    for (const [name, v] of [['vocab', vocab], ['dim', dim]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`EmbeddingLayer: ${name} must be a positive integer, got ${v}`);
    }
    this.vocab = vocab;
    this.dim = dim;
    const rng = new Rng(seed);
    const w = NDArray.zeros(dtype, [vocab, dim]);
    for (let i = 0; i < w.size; i++) w.data[i] = rng.normal();
    this.weight = shared(w, { name: 'weight' });
  }

  get params(): SharedVariable[] { return [this.weight]; }

  /** The vectors of int32 `ids` (any shape): `[...ids.shape, dim]`. */
  apply(ids: Variable): Variable {
    if (ids.dtype !== 'int32') throw new TypeError(`EmbeddingLayer: ids must be int32, got ${ids} (${ids.type})`);
    return take(this.weight, ids, 0);
  }
}
