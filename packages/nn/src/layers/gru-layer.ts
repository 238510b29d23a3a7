import type { SharedVariable, Variable } from '@hypatia/core';
import { add, dot, mul, scan, sigmoid, sub, subtensor, tanh, transpose } from '@hypatia/ops';
import { gateBlock, RecurrentParams, type RecurrentLayerOptions, type RecurrentOutput } from './recurrent-common.js';

/**
 * A gated recurrent unit layer, PyTorch's `nn.GRU` with one layer, run as one `scan` over time.
 * With the gates in PyTorch's order r, z, n (row blocks of `weight_ih_l0` `[3 nHidden, nIn]`,
 * `weight_hh_l0` `[3 nHidden, nHidden]`, `bias_ih_l0`, `bias_hh_l0`):
 *
 * ```
 * r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 * h' = (1 - z) ⊙ n + z ⊙ h
 * ```
 *
 * Input `[time, batch, nIn]` (time-major, PyTorch's default). `b_hn` stays inside the reset gate's
 * product, as PyTorch (and cuDNN) place it, so the two biases are not interchangeable.
 */
export class GRULayer {
  readonly nIn: number;
  readonly nHidden: number;
  readonly p: RecurrentParams;

  constructor(readonly options: RecurrentLayerOptions) {
    this.p = new RecurrentParams('GRULayer', options, 3);
    this.nIn = options.nIn;
    this.nHidden = options.nHidden;
  }

  /** weight_ih, weight_hh, bias_ih, bias_hh. */
  get params(): SharedVariable[] { return this.p.all; }
  /** The weight matrices (what a penalty decays; the biases are not). */
  get weights(): SharedVariable[] { return [this.p.weightIh, this.p.weightHh]; }

  /** Runs the layer over `x` `[time, batch, nIn]` from `h0` `[batch, nHidden]` (default zeros). */
  apply(x: Variable, h0?: Variable): RecurrentOutput {
    const H = this.nHidden;
    const xp = this.p.inputProjection(x, this.p.biasIh);
    const [outputs] = scan({
      fn: (xt, h, wHhT, bHh) => {
        const hp = add(dot(h, wHhT), bHh);
        const r = sigmoid(add(gateBlock(xt, 0, H), gateBlock(hp, 0, H)));
        const z = sigmoid(add(gateBlock(xt, 1, H), gateBlock(hp, 1, H)));
        const n = tanh(add(gateBlock(xt, 2, H), mul(r, gateBlock(hp, 2, H))));
        return add(mul(sub(1, z), n), mul(z, h));
      },
      sequences: xp,
      outputsInfo: h0 ?? this.p.zeroState(xp),
      nonSequences: [transpose(this.p.weightHh), this.p.biasHh],
      truncateGradient: this.options.truncateGradient,
    });
    return { outputs, hT: subtensor(outputs, [-1]) };
  }
}
