import type { SharedVariable, Variable } from '@hypatia/core';
import { add, dot, mul, scan, sigmoid, subtensor, tanh, transpose } from '@hypatia/ops';
import { gateBlock, RecurrentParams, type RecurrentLayerOptions, type RecurrentOutput } from './recurrent-common.js';

/** An LSTM's outputs: every step's hidden state, and the last hidden and cell states. */
export interface LSTMOutput extends RecurrentOutput {
  /** The cell state after the last step, `[batch, nHidden]`. */
  cT: Variable;
}

/**
 * A long short-term memory layer, PyTorch's `nn.LSTM` with one layer, run as one `scan` over time.
 * With the gates in PyTorch's order i, f, g, o (row blocks of `weight_ih_l0` `[4 nHidden, nIn]`,
 * `weight_hh_l0` `[4 nHidden, nHidden]`, `bias_ih_l0`, `bias_hh_l0`):
 *
 * ```
 * i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
 * g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
 * c' = f ⊙ c + i ⊙ g                       h' = o ⊙ tanh(c')
 * ```
 *
 * Input `[time, batch, nIn]` (time-major, PyTorch's default). The input projection of every step is
 * one product before the loop; the loop multiplies only the hidden state.
 */
export class LSTMLayer {
  readonly nIn: number;
  readonly nHidden: number;
  readonly p: RecurrentParams;

  constructor(readonly options: RecurrentLayerOptions) {
    this.p = new RecurrentParams('LSTMLayer', options, 4);
    this.nIn = options.nIn;
    this.nHidden = options.nHidden;
  }

  /** weight_ih, weight_hh, bias_ih, bias_hh. */
  get params(): SharedVariable[] { return this.p.all; }
  /** The weight matrices (what a penalty decays; the biases are not). */
  get weights(): SharedVariable[] { return [this.p.weightIh, this.p.weightHh]; }

  /** Runs the layer over `x` `[time, batch, nIn]` from `h0`, `c0` `[batch, nHidden]` (default zeros). */
  apply(x: Variable, h0?: Variable, c0?: Variable): LSTMOutput {
    const H = this.nHidden;
    const xp = this.p.inputProjection(x, add(this.p.biasIh, this.p.biasHh));
    const [[hs, cs]] = scan({
      fn: (xt, h, c, wHhT) => {
        const z = add(xt, dot(h, wHhT));
        const i = sigmoid(gateBlock(z, 0, H));
        const f = sigmoid(gateBlock(z, 1, H));
        const g = tanh(gateBlock(z, 2, H));
        const o = sigmoid(gateBlock(z, 3, H));
        const cNext = add(mul(f, c), mul(i, g));
        return [mul(o, tanh(cNext)), cNext];
      },
      sequences: xp,
      outputsInfo: [h0 ?? this.p.zeroState(xp), c0 ?? this.p.zeroState(xp)],
      nonSequences: [transpose(this.p.weightHh)],
      truncateGradient: this.options.truncateGradient,
    });
    return { outputs: hs!, hT: subtensor(hs!, [-1]), cT: subtensor(cs!, [-1]) };
  }
}
