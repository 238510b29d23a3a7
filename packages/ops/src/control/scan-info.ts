/**
 * What a Scan node is, apart from its body: its sequences and their taps, its outputs (which feed
 * back, through which taps, and what the node returns of each), its non-sequences, and how it
 * steps. The inputs, inner inputs and outputs are laid out from this, in Theano's order:
 *
 *   outer inputs:  [nSteps]?  sequences...  initial states (recurrent outputs only)...  non-sequences...
 *   inner inputs:  each sequence's taps...  each recurrent output's taps...  non-sequences...
 *   inner outputs: each output's value at the step...  [stop condition]?
 *   outer outputs: each output's stacked steps [n, ...] and/or its final value...  [steps run]?
 */
export interface ScanInfo {
  /** One entry per sequence: the offsets it is read at (step t reads element t + tap - min(taps)). */
  readonly sequences: readonly { readonly taps: readonly number[] }[];
  readonly outputs: readonly ScanOutputInfo[];
  readonly nonSequences: number;
  /** Whether input 0 is the number of steps (else: as many as the shortest sequence allows). */
  readonly hasNSteps: boolean;
  /** Whether the body's last output is a stop condition, tested after each step (Theano's `until`). */
  readonly until: boolean;
  /** Sequences are read from their end (Theano's go_backwards); outputs are stacked in the order computed. */
  readonly goBackwards: boolean;
  /** Back-propagation through time covers only the last this many steps; -1: all of them. */
  readonly truncateGradient: number;
}

/**
 * How a Scan node treats one output: the earlier values its step reads, and whether the node returns every step's value, the last one, or both.
 */
export interface ScanOutputInfo {
  /**
   * The earlier values the body reads (negative, sorted): [-1] for a state fed back from the step
   * before, [-2, -1] for a two-tap recurrence; empty for an output that does not feed back.
   */
  readonly taps: readonly number[];
  /** The node returns the value of every step, stacked along a new axis 0. */
  readonly stacked: boolean;
  /** The node returns the value after the last step (a shared variable's update, a loop's result). */
  readonly final: boolean;
}

/** How many earlier values a recurrent output keeps: its initial state has this many rows. */
export function initialRows(o: ScanOutputInfo): number {
  return o.taps.length ? -Math.min(...o.taps) : 0;
}

/** Theano's convention: a state read only at tap -1 is given as the state itself, not as one row. */
export function initialIsState(o: ScanOutputInfo): boolean {
  return o.taps.length === 1 && o.taps[0] === -1;
}

export function isRecurrent(o: ScanOutputInfo): boolean {
  return o.taps.length > 0;
}

/** The span of a sequence's taps: step t reads elements t .. t + span of the sequence. */
export function tapSpan(taps: readonly number[]): number {
  return Math.max(...taps) - Math.min(...taps);
}

/** Where each part of a Scan node sits among its outer inputs, inner inputs and outputs. */
export class ScanLayout {
  readonly nSequences: number;
  readonly recurrent: readonly number[];
  constructor(readonly info: ScanInfo) {
    this.nSequences = info.sequences.length;
    this.recurrent = info.outputs.flatMap((o, i) => (isRecurrent(o) ? [i] : []));
  }

  get nOuterInputs(): number {
    return (this.info.hasNSteps ? 1 : 0) + this.nSequences + this.recurrent.length + this.info.nonSequences;
  }
  /** Outer input of sequence j. */
  sequence(j: number): number {
    return (this.info.hasNSteps ? 1 : 0) + j;
  }
  /** Outer input of output i's initial state (i must be recurrent). */
  initial(i: number): number {
    return this.sequence(this.nSequences) + this.recurrent.indexOf(i);
  }
  /** Outer input of non-sequence k. */
  nonSequence(k: number): number {
    return this.sequence(this.nSequences) + this.recurrent.length + k;
  }

  get nInnerInputs(): number {
    return this.innerNonSequence(this.info.nonSequences);
  }
  /** Inner input of sequence j's tap number `tap` (its index in the sorted taps). */
  innerSequence(j: number, tap: number): number {
    let at = 0;
    for (let s = 0; s < j; s++) at += this.info.sequences[s]!.taps.length;
    return at + tap;
  }
  /** Inner input of output i's tap number `tap`. */
  innerTap(i: number, tap: number): number {
    let at = this.innerSequence(this.nSequences, 0);
    for (const r of this.recurrent) {
      if (r === i) return at + tap;
      at += this.info.outputs[r]!.taps.length;
    }
    throw new Error(`scan layout: output ${i} does not feed back`);
  }
  innerNonSequence(k: number): number {
    let at = this.innerSequence(this.nSequences, 0);
    for (const r of this.recurrent) at += this.info.outputs[r]!.taps.length;
    return at + k;
  }
  /** Inner output of the stop condition (with `until`). */
  get innerCondition(): number {
    return this.info.outputs.length;
  }

  /** Outer output of output i's stacked steps, or -1. */
  stacked(i: number): number {
    return this.info.outputs[i]!.stacked ? this.outerOutputsBefore(i) : -1;
  }
  /** Outer output of output i's final value, or -1. */
  final(i: number): number {
    const o = this.info.outputs[i]!;
    return o.final ? this.outerOutputsBefore(i) + (o.stacked ? 1 : 0) : -1;
  }
  /** Outer output of the number of steps run (with `until`). */
  get count(): number {
    return this.outerOutputsBefore(this.info.outputs.length);
  }
  get nOuterOutputs(): number {
    return this.outerOutputsBefore(this.info.outputs.length) + (this.info.until ? 1 : 0);
  }
  private outerOutputsBefore(i: number): number {
    let at = 0;
    for (let k = 0; k < i; k++) at += (this.info.outputs[k]!.stacked ? 1 : 0) + (this.info.outputs[k]!.final ? 1 : 0);
    return at;
  }
}
