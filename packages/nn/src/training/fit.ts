import type { Backend, Variable } from '@hypatia/core';
import type { Network } from '../network.js';
import type { Dataset } from '../data/dataset.js';
import type { Optimizer } from '../optimizers/optimizers.js';
import type { Schedule } from '../schedules/schedules.js';
import type { CheckpointOptions } from './checkpoint.js';
import type { ProgressSink } from './progress-bar.js';
import type { EpochReport, TrainingHistory } from './history.js';
import { train } from './training-loop.js';

/** fit's name for an EpochReport (fit and Network.sgd report the same). */
export type FitEpoch = EpochReport;
/** fit's name for a TrainingHistory. */
export type FitHistory = TrainingHistory;

/**
 * Options of `fit`: epochs, the optimiser, penalties and constraints, validation and test data, early stopping, schedules, checkpoints and reporting.
 */
export interface FitOptions {
  epochs: number;
  /** Default: SGD with eta 0.1. */
  optimizer?: Optimizer;
  /** L2 strength lambda (Nielsen's, with n the training-set size; see l2Scale). */
  l2?: number;
  /**
   * What the L2 term is divided by: 'examples' (default), Nielsen's (lambda / 2n) sum w^2 with n the
   * training examples; 'mini-batches', network3's code, 0.5 lambda sum w^2 / the number of mini-batches.
   */
  l2Scale?: 'examples' | 'mini-batches';
  l1?: number;
  /** Decay the biases too (default false). */
  penaliseBiases?: boolean;
  /** A further penalty added to the cost (e.g. elasticNetPenalty of the weights). */
  penalty?: Variable | null;
  /** Project each unit's incoming weights into the ball of this radius after every step. */
  maxNorm?: number;
  /** Clip the gradients' global norm to this. */
  clipNorm?: number;
  validation?: Dataset | null;
  test?: Dataset | null;
  /**
   * When the test accuracy is measured: 'end' (default), once, with the weights training ends with,
   * the best epoch being the first with the highest validation accuracy (the one early stopping keeps);
   * 'best-validation', network3's bookkeeping: an epoch whose validation accuracy is at least the best
   * so far becomes the best and the test accuracy is measured there (after every epoch without
   * validation data).
   */
  testAccuracyAt?: 'end' | 'best-validation';
  /** Also measure the test accuracy after every epoch (EpochReport.epochTestAccuracy), for test curves. */
  testEveryEpoch?: boolean;
  /** Stop after this many epochs without a better validation accuracy and restore the best weights. */
  earlyStoppingPatience?: number;
  /** Stop when an epoch's mean cost is NaN or infinite (default true; Network.sgd runs every epoch, as network3). */
  stopOnDivergence?: boolean;
  schedule?: Schedule;
  /** Nielsen's rule: halve eta after `patience` epochs without improvement, stop at eta0/stopRatio. */
  halveOnPlateau?: { patience: number; stopRatio?: number };
  /** Also measure accuracy on the training data each epoch (for overfitting plots). */
  trainAccuracy?: boolean;
  /** Backend name or object for the compiled functions (default 'cpu'). */
  backend?: string | Backend;
  /** Shuffle the training rows each epoch with this seed (default: no shuffling, as network3). */
  shuffleSeed?: number;
  /** Examples per call of the accuracy functions (default 1000; any size gives the same accuracy). */
  evalBatchSize?: number;
  /** Show a progress bar: default only when stdout is a terminal; true writes to stdout anyway; or a sink of your own. */
  progress?: boolean | ProgressSink;
  onEpoch?: (r: EpochReport) => void;
  /**
   * Save a checkpoint after every epoch (weights, optimiser state and learning rate, layer state,
   * random streams, the epochs so far, early stopping's and the plateau rule's counters) and, with
   * `resume`, continue from one: the result is the same as one call without the interruption, bit
   * for bit on the same backend.
   */
  checkpoint?: CheckpointOptions;
}

/**
 * Train a Network with the techniques of this package composed: the output layer's cost plus weight
 * penalties (as graph), gradient clipping, any optimiser's updates, max-norm projection and the
 * layers' own state updates (batch norm), all compiled into one training step; schedules and early
 * stopping act between epochs. Network.sgd is this loop with network3's settings.
 */
export function fit(net: Network, training: Dataset, options: FitOptions): Promise<TrainingHistory> {
  return train(net, training, options, { name: 'fit' });
}
