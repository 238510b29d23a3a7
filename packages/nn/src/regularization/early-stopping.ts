import type { NDArray, SharedVariable } from '@hypatia/core';

/** The counters a checkpoint keeps (the best epoch's weights are saved beside them as tensors). */
export interface EarlyStoppingRecord {
  bestScore: number | null;
  bestEpoch: number;
  sinceBest: number;
}

/**
 * Options of EarlyStopping: the patience, whether higher or lower is better, and the smallest improvement that counts.
 */
export interface EarlyStoppingOptions {
  /** Stop after this many epochs without improvement (Nielsen's "no-improvement-in-n"). */
  patience: number;
  /** 'max' for accuracies (default), 'min' for costs. */
  mode?: 'max' | 'min';
  /** An improvement must beat the best by more than this. */
  minDelta?: number;
}

/**
 * Nielsen 3.2: early stopping. Track the validation score each epoch and stop once it has not
 * improved for `patience` epochs, keeping the weights of the best epoch: training longer than that
 * only fits the training set's noise. Call `await observe` after each epoch and `restoreBest` at the end.
 */
export class EarlyStopping {
  readonly patience: number;
  readonly mode: 'max' | 'min';
  readonly minDelta: number;
  bestScore: number | null = null;
  bestEpoch = -1;
  private sinceBest = 0;
  private snapshot: NDArray[] | null = null;

  constructor(private readonly params: readonly SharedVariable[], { patience, mode = 'max', minDelta = 0 }: EarlyStoppingOptions) {
    if (!Number.isInteger(patience) || patience < 1) throw new RangeError(`EarlyStopping: patience must be a positive integer, got ${patience}`);
    this.patience = patience; this.mode = mode; this.minDelta = minDelta;
  }

  /** Record an epoch's score; resolves to true when training should stop. Async: weights on a GPU are read back. */
  async observe(epoch: number, score: number): Promise<boolean> {
    const better = this.bestScore === null || (this.mode === 'max' ? score > this.bestScore + this.minDelta : score < this.bestScore - this.minDelta);
    if (better) {
      this.bestScore = score;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
      this.snapshot = await Promise.all(this.params.map((p) => p.getAsync()));
    } else {
      this.sinceBest++;
    }
    return this.shouldStop;
  }

  get shouldStop(): boolean {
    return this.sinceBest >= this.patience;
  }

  /** The counters, for a checkpoint. */
  get record(): EarlyStoppingRecord {
    return { bestScore: this.bestScore, bestEpoch: this.bestEpoch, sinceBest: this.sinceBest };
  }

  /** The best epoch's weights, in parameter order (null before the first observation). */
  get bestWeights(): readonly NDArray[] | null {
    return this.snapshot;
  }

  /** Continue from a checkpoint: its counters and the best epoch's weights it saved. */
  resume(record: EarlyStoppingRecord, bestWeights: NDArray[] | null): void {
    this.bestScore = record.bestScore;
    this.bestEpoch = record.bestEpoch;
    this.sinceBest = record.sinceBest;
    this.snapshot = bestWeights;
  }

  /** Put the best epoch's weights back into the parameters (no-op if nothing was observed). */
  restoreBest(): void {
    if (!this.snapshot) return;
    this.params.forEach((p, i) => p.set(this.snapshot![i]!));
  }
}
