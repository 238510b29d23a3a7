import { NDArray, shared, type DType, type SharedVariable, type Variable } from '@hypatia/core';
import { add, dot, reshape, shapeOf, sliceAxis, subtensor, transpose, zerosLike } from '@hypatia/ops';
import { nextLayerSeed } from '../init/initializers.js';
import { Rng } from '../init/rng.js';

/**
 * Options every recurrent layer takes. Sequences are time-major, `[time, batch, features]`, as
 * PyTorch's recurrent modules read them by default (`batch_first=False`); a batch-first tensor is
 * `dimshuffle(x, 1, 0, 2)` away.
 */
export interface RecurrentLayerOptions {
  /** Features of one step's input. */
  nIn: number;
  /** Units of the hidden state (PyTorch's `hidden_size`). */
  nHidden: number;
  /** Seeds the initial parameters. */
  seed?: number;
  /** Of the parameters (default float32; float64 for gradient checks). */
  dtype?: 'float32' | 'float64';
  /** Back-propagate through only the last this many steps of each call (truncated BPTT); default all. */
  truncateGradient?: number;
}

/** What a recurrent layer returns for a sequence: every step's hidden state and the last one. */
export interface RecurrentOutput {
  /** The hidden state after each step, `[time, batch, nHidden]`. */
  outputs: Variable;
  /** The hidden state after the last step, `[batch, nHidden]`: the next chunk's initial state. */
  hT: Variable;
}

/**
 * PyTorch's parameter layout for a recurrent layer with `gates` gate blocks stacked along the rows:
 * `weight_ih` `[gates * nHidden, nIn]`, `weight_hh` `[gates * nHidden, nHidden]`, `bias_ih` and
 * `bias_hh` `[gates * nHidden]`, all drawn from U(-1/sqrt(nHidden), 1/sqrt(nHidden)) as PyTorch
 * draws them. The names are PyTorch's state_dict keys (layer 0), so weights map one to one.
 */
export class RecurrentParams {
  readonly weightIh: SharedVariable;
  readonly weightHh: SharedVariable;
  readonly biasIh: SharedVariable;
  readonly biasHh: SharedVariable;
  readonly seed: number;

  constructor(layer: string, readonly options: RecurrentLayerOptions, readonly gates: number) {
    const { nIn, nHidden, dtype = 'float32' } = options;
    for (const [name, v] of [['nIn', nIn], ['nHidden', nHidden]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`${layer}: ${name} must be a positive integer, got ${v}`);
    }
    const t = options.truncateGradient;
    if (t !== undefined && t !== -1 && !(Number.isInteger(t) && t > 0)) throw new RangeError(`${layer}: truncateGradient must be a positive integer or -1, got ${t}`);
    this.seed = options.seed ?? nextLayerSeed();
    const rng = new Rng(this.seed);
    const k = 1 / Math.sqrt(nHidden);
    const draw = (shape: number[], name: string) => {
      const a = NDArray.zeros(dtype, shape);
      for (let i = 0; i < a.size; i++) a.data[i] = (2 * rng.uniform() - 1) * k;
      return shared(a, { name });
    };
    const rows = gates * nHidden;
    this.weightIh = draw([rows, nIn], 'weight_ih_l0');
    this.weightHh = draw([rows, nHidden], 'weight_hh_l0');
    this.biasIh = draw([rows], 'bias_ih_l0');
    this.biasHh = draw([rows], 'bias_hh_l0');
  }

  /** In PyTorch's order: weight_ih, weight_hh, bias_ih, bias_hh. */
  get all(): SharedVariable[] {
    return [this.weightIh, this.weightHh, this.biasIh, this.biasHh];
  }

  get dtype(): DType {
    return this.weightIh.dtype;
  }

  /**
   * Every step's input projection `x W_ihᵀ + bias`, `[time, batch, gates * nHidden]`, as one product
   * before the loop (the loop then multiplies only the hidden state, as cuDNN does).
   */
  inputProjection(x: Variable, bias: Variable): Variable {
    const flat = reshape(x, [-1, this.options.nIn]);
    const z = add(dot(flat, transpose(this.weightIh)), bias);
    return reshape(z, [shapeOf(x, 0), shapeOf(x, 1), this.gates * this.options.nHidden]);
  }

  /**
   * A zero state `[batch, nHidden]`: zeros shaped like the first step's projection, first block (so
   * the batch size may be symbolic; a sequence of no steps has no first step and needs its states given).
   */
  zeroState(projection: Variable): Variable {
    return sliceAxis(zerosLike(subtensor(projection, [0])), 1, 0, this.options.nHidden);
  }
}

/** Gate block `k` (of nHidden columns) of a `[batch, gates * nHidden]` pre-activation. */
export function gateBlock(z: Variable, k: number, nHidden: number): Variable {
  return sliceAxis(z, 1, k * nHidden, (k + 1) * nHidden);
}
