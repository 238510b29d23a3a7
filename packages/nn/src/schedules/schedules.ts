import { NDArray, type SharedVariable } from '@hypatia/core';

/** A learning-rate schedule: the rate for a 0-based epoch. */
export type Schedule = (epoch: number) => number;

/** CS231n step decay: multiply by `factor` every `every` epochs. */
export function stepDecay(eta0: number, factor: number, every: number): Schedule {
  return (epoch) => eta0 * factor ** Math.floor(epoch / every);
}

/** CS231n exponential decay: eta0 e^{-k t}. */
export function exponentialDecay(eta0: number, k: number): Schedule {
  return (epoch) => eta0 * Math.exp(-k * epoch);
}

/** CS231n 1/t decay: eta0 / (1 + k t). */
export function inverseTimeDecay(eta0: number, k: number): Schedule {
  return (epoch) => eta0 / (1 + k * epoch);
}

/** Write a schedule's rate for `epoch` into an optimiser's shared learning rate. */
export function applySchedule(lr: SharedVariable, schedule: Schedule, epoch: number): number {
  const eta = schedule(epoch);
  lr.set(NDArray.from(eta, lr.dtype));
  return eta;
}

/** The state of a HalveOnPlateau that a checkpoint keeps. */
export interface HalveOnPlateauRecord {
  eta: number;
  best: number;
  sinceBest: number;
  stopped: boolean;
}

/**
 * Nielsen 3.5: hold eta constant until the validation accuracy stops improving for `patience`
 * epochs (his "no-improvement-in-n"), then halve it; stop once it has fallen to eta0 / `stopRatio`
 * (the book suggests 1/128). Call `observe` after each epoch: it updates `lr` and says whether to stop.
 */
export class HalveOnPlateau {
  readonly eta0: number;
  eta: number;
  private best = -Infinity;
  private sinceBest = 0;
  stopped = false;

  constructor(private readonly lr: SharedVariable, readonly patience = 10, readonly stopRatio = 128, readonly factor = 0.5) {
    this.eta0 = this.eta = lr.get({ borrow: true }).data[0]!;
    if (!(factor > 0 && factor < 1)) throw new RangeError(`HalveOnPlateau: factor must be in (0, 1), got ${factor}`);
  }

  /** The counters and current rate, for a checkpoint. */
  get record(): HalveOnPlateauRecord {
    return { eta: this.eta, best: this.best, sinceBest: this.sinceBest, stopped: this.stopped };
  }

  /** Continue from a checkpoint's record (the learning rate variable is restored with the checkpoint's tensors). */
  resume(record: HalveOnPlateauRecord): void {
    this.eta = record.eta;
    this.best = record.best;
    this.sinceBest = record.sinceBest;
    this.stopped = record.stopped;
  }

  /** Record a validation accuracy; returns true when the rate has fallen to eta0 / stopRatio (stop training). */
  observe(validationAccuracy: number): boolean {
    if (validationAccuracy > this.best) {
      this.best = validationAccuracy;
      this.sinceBest = 0;
      return false;
    }
    if (++this.sinceBest < this.patience) return false;
    this.sinceBest = 0;
    this.eta *= this.factor;
    this.lr.set(NDArray.from(this.eta, this.lr.dtype));
    this.stopped = this.eta <= this.eta0 / this.stopRatio * (1 + 1e-9);
    return this.stopped;
  }
}
