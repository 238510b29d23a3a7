import type { SharedVariable, Variable } from '@hypatia/core';
import { add, dot, scan, subtensor, tanh, transpose } from '@hypatia/ops';
import { RecurrentParams, type RecurrentLayerOptions, type RecurrentOutput } from './recurrent-common.js';

/**
 * A tanh recurrent layer (Elman network), PyTorch's `nn.RNN` with one layer:
 * `h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)`, run as one `scan` over the time axis.
 * Input `[time, batch, nIn]` (time-major, PyTorch's default); the parameters have PyTorch's layout
 * and names (`weight_ih_l0` `[nHidden, nIn]`, ...), so a PyTorch state_dict's tensors load one to one.
 */
export class RecurrentLayer {
  readonly nIn: number;
  readonly nHidden: number;
  readonly p: RecurrentParams;

  constructor(readonly options: RecurrentLayerOptions) {
    this.p = new RecurrentParams('RecurrentLayer', options, 1);
    this.nIn = options.nIn;
    this.nHidden = options.nHidden;
  }

  /** weight_ih, weight_hh, bias_ih, bias_hh. */
  get params(): SharedVariable[] { return this.p.all; }
  /** The weight matrices (what a penalty decays; the biases are not). */
  get weights(): SharedVariable[] { return [this.p.weightIh, this.p.weightHh]; }

  /** Runs the layer over `x` `[time, batch, nIn]` from `h0` `[batch, nHidden]` (default zeros). */
  apply(x: Variable, h0?: Variable): RecurrentOutput {
    const xp = this.p.inputProjection(x, add(this.p.biasIh, this.p.biasHh));
    const [outputs] = scan({
      fn: (xt, h, wHhT) => tanh(add(xt, dot(h, wHhT))),
      sequences: xp,
      outputsInfo: h0 ?? this.p.zeroState(xp),
      nonSequences: [transpose(this.p.weightHh)],
      truncateGradient: this.options.truncateGradient,
    });
    return { outputs, hT: subtensor(outputs, [-1]) };
  }
}
