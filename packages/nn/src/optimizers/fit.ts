import { compile, grad, iscalar, shared, type Backend, type Update, type Variable } from '@hypatia/core';
import { add, mul, sliceAxis } from '@hypatia/ops';
import type { Network } from '../network.js';
import type { Dataset } from '../data/dataset.js';
import { checkDataset, NnDataError } from '../data/check-data.js';
import { isOutputLayer } from '../layers/layer.js';
import { isStatefulLayer } from '../normalization/batch-norm.js';
import { l1Penalty, l2Penalty, penalisedParams, withPenalties } from '../regularization/penalties.js';
import { withMaxNorm } from '../regularization/max-norm.js';
import { EarlyStopping, type EarlyStoppingRecord } from '../regularization/early-stopping.js';
import { applySchedule, HalveOnPlateau, type HalveOnPlateauRecord, type Schedule } from '../schedules/schedules.js';
import { namedParams } from '../io/param-names.js';
import { CheckpointError, stateNames, TrainingCheckpoint, type CheckpointOptions, type CheckpointProgress } from '../training/checkpoint.js';
import { updatedSharedVariables } from '../training/training-state.js';
import { clipGradientNorm } from './clip.js';
import { shuffleDataset } from '../preprocessing/split.js';
import { sgd, type Optimizer } from './optimizers.js';

export interface FitOptions {
  epochs: number;
  /** Default: SGD with eta 0.1. */
  optimizer?: Optimizer;
  /** L2 strength lambda (Nielsen's, with n the training-set size). */
  l2?: number;
  l1?: number;
  /** Decay the biases too (default false). */
  penaliseBiases?: boolean;
  /** Project each unit's incoming weights into the ball of this radius after every step. */
  maxNorm?: number;
  /** Clip the gradients' global norm to this. */
  clipNorm?: number;
  validation?: Dataset | null;
  test?: Dataset | null;
  /** Stop after this many epochs without a better validation accuracy and restore the best weights. */
  earlyStoppingPatience?: number;
  schedule?: Schedule;
  /** Nielsen's rule: halve eta after `patience` epochs without improvement, stop at eta0/stopRatio. */
  halveOnPlateau?: { patience: number; stopRatio?: number };
  /** Also measure accuracy on the training data each epoch (for overfitting plots). */
  trainAccuracy?: boolean;
  backend?: string | Backend;
  /** Shuffle the training rows each epoch with this seed (default: no shuffling, as network3). */
  shuffleSeed?: number;
  onEpoch?: (r: FitEpoch) => void;
  /**
   * Save a checkpoint after every epoch (as Network.sgd's option: weights, optimiser state and
   * learning rate, layer state, random streams, the epochs so far, early stopping's and the plateau
   * rule's counters) and, with `resume`, continue from one to the result of an uninterrupted call.
   */
  checkpoint?: CheckpointOptions;
}

/** What fit records in a checkpoint besides the tensors. */
interface FitProgress extends CheckpointProgress {
  reports: FitEpoch[];
  bestValidationAccuracy: number | null;
  bestEpoch: number | null;
  stoppedEarly: boolean;
  seconds: number;
  earlyStopping: EarlyStoppingRecord | null;
  halveOnPlateau: HalveOnPlateauRecord | null;
}

export interface FitEpoch { epoch: number; cost: number; eta: number; trainAccuracy: number | null; validationAccuracy: number | null }
export interface FitHistory {
  epochs: FitEpoch[];
  bestValidationAccuracy: number | null;
  bestEpoch: number | null;
  /** Test accuracy with the weights finally kept (the best epoch's when early stopping restored them). */
  testAccuracy: number | null;
  stoppedEarly: boolean;
  seconds: number;
}

/**
 * Train a Network with the techniques of this package composed: the output layer's cost plus weight
 * penalties (as graph), gradient clipping, any optimiser's updates, max-norm projection and the
 * layers' own state updates (batch norm), all compiled into one training step; schedules and early
 * stopping act between epochs.
 */
export async function fit(net: Network, training: Dataset, options: FitOptions): Promise<FitHistory> {
  const started = performance.now();
  const last = net.layers[net.layers.length - 1]!;
  if (!isOutputLayer(last)) throw new Error('fit: the last layer must be an output layer');
  const mb = net.miniBatchSize;
  // Every dataset is checked before anything is compiled or trained.
  const n = checkDataset('fit', 'training data', training, net.layers);
  if (options.validation) checkDataset('fit', 'validation data', options.validation, net.layers);
  if (options.test) checkDataset('fit', 'test data', options.test, net.layers);
  const nBatches = Math.floor(n / mb);
  if (nBatches === 0) throw new NnDataError('fit', `training data: ${n} examples make no mini-batch of ${mb}`);
  const backend = options.backend ?? 'cpu';
  const opt = options.optimizer ?? sgd(0.1);

  const decayed = penalisedParams(net.layers, options.penaliseBiases);
  const cost = withPenalties(last.cost(net.y), l2Penalty(decayed, options.l2 ?? 0, n), l1Penalty(decayed, options.l1 ?? 0, n));
  let grads: Variable[] = grad(cost, net.params);
  if (options.clipNorm) grads = clipGradientNorm(grads, options.clipNorm);
  let updates: Update[] = opt.updates(net.params, grads);
  if (options.maxNorm) updates = withMaxNorm(updates, net.layers.flatMap((l) => [...l.weights]), options.maxNorm);
  for (const l of net.layers) if (isStatefulLayer(l)) updates.push(...l.stateUpdates());

  const trainX = shared(training.x, { name: 'trainingX' });
  const trainY = shared(training.y, { name: 'trainingY' });
  const i = iscalar('i');
  const rows = (v: Variable) => sliceAxis(v, 0, mul(i, mb), mul(add(i, 1), mb));
  const step = await compile({ name: 'fit_step', inputs: [i], outputs: cost, backend, updates, givens: [[net.x, rows(trainX)], [net.y, rows(trainY)]] });

  const accuracy = async (d: Dataset) => {
    const p = await net.predict(d.x, { backend });
    let ok = 0;
    for (let k = 0; k < d.y.size; k++) if (p.data[k] === d.y.data[k]) ok++;
    return ok / d.y.size;
  };
  const stopper = options.earlyStoppingPatience && options.validation ? new EarlyStopping(net.params, { patience: options.earlyStoppingPatience }) : null;
  const halver = options.halveOnPlateau ? new HalveOnPlateau(opt.lr, options.halveOnPlateau.patience, options.halveOnPlateau.stopRatio) : null;
  const history: FitHistory = { epochs: [], bestValidationAccuracy: null, bestEpoch: null, testAccuracy: null, stoppedEarly: false, seconds: 0 };
  let firstEpoch = 0;
  let stopped = false;
  let earlierSeconds = 0;
  // The learning rate changes between epochs (schedules, the plateau rule), outside the step's updates.
  const checkpoint = options.checkpoint ? new TrainingCheckpoint<FitProgress>('fit', options.checkpoint, stateNames(namedParams(net), updatedSharedVariables([cost], updates), new Map([['optimizer.lr', opt.lr]])), namedParams(net), {
    trainingExamples: n, validationExamples: options.validation?.y.size ?? null, testExamples: options.test?.y.size ?? null, miniBatchSize: mb,
    optimizer: opt.name, l2: options.l2 ?? 0, l1: options.l1 ?? 0, penaliseBiases: options.penaliseBiases ?? false, maxNorm: options.maxNorm ?? null,
    clipNorm: options.clipNorm ?? null, earlyStoppingPatience: stopper ? options.earlyStoppingPatience! : null, schedule: Boolean(options.schedule),
    halveOnPlateau: options.halveOnPlateau ? JSON.stringify(options.halveOnPlateau) : null, shuffleSeed: options.shuffleSeed ?? null, trainAccuracy: options.trainAccuracy ?? false,
  }) : null;
  const resumed = checkpoint?.restore((p, where) => {
    if (p.epochsDone > options.epochs) throw new CheckpointError('fit', `${where} has ${p.epochsDone} epochs done, more than the ${options.epochs} asked for`);
  });
  if (resumed) {
    const p = resumed.progress;
    Object.assign(history, { epochs: p.reports, bestValidationAccuracy: p.bestValidationAccuracy, bestEpoch: p.bestEpoch, stoppedEarly: p.stoppedEarly });
    if (stopper && p.earlyStopping) stopper.resume(p.earlyStopping, resumed.best);
    if (halver && p.halveOnPlateau) halver.resume(p.halveOnPlateau);
    firstEpoch = p.epochsDone;
    stopped = p.stopped;
    earlierSeconds = p.seconds;
  }

  for (let epoch = firstEpoch; !stopped && epoch < options.epochs; epoch++) {
    const eta = options.schedule ? applySchedule(opt.lr, options.schedule, epoch) : opt.lr.get({ borrow: true }).data[0]!;
    if (options.shuffleSeed !== undefined) {
      const s = shuffleDataset(training, options.shuffleSeed + epoch);
      trainX.set(s.x); trainY.set(s.y);
    }
    let costSum = 0;
    for (let b = 0; b < nBatches; b++) costSum += (await step(b)).item();
    const validationAccuracy = options.validation ? await accuracy(options.validation) : null;
    const report: FitEpoch = { epoch, cost: costSum / nBatches, eta, trainAccuracy: options.trainAccuracy ? await accuracy(training) : null, validationAccuracy };
    history.epochs.push(report);
    if (validationAccuracy !== null && (history.bestValidationAccuracy === null || validationAccuracy > history.bestValidationAccuracy)) {
      history.bestValidationAccuracy = validationAccuracy;
      history.bestEpoch = epoch;
    }
    if (!Number.isFinite(report.cost)) stopped = true;
    else if (await stopper?.observe(epoch, validationAccuracy!)) stopped = history.stoppedEarly = true;
    else if (halver && validationAccuracy !== null && halver.observe(validationAccuracy)) stopped = history.stoppedEarly = true;
    // Saved before onEpoch: a callback that sees an epoch can rely on its checkpoint being on disk.
    await checkpoint?.save({
      epochsDone: epoch + 1, stopped, reports: history.epochs, bestValidationAccuracy: history.bestValidationAccuracy, bestEpoch: history.bestEpoch,
      stoppedEarly: history.stoppedEarly, seconds: earlierSeconds + (performance.now() - started) / 1000,
      earlyStopping: stopper?.record ?? null, halveOnPlateau: halver?.record ?? null,
    }, stopper?.bestWeights ?? null);
    options.onEpoch?.(report);
  }
  stopper?.restoreBest();
  if (options.test) history.testAccuracy = await accuracy(options.test);
  history.seconds = earlierSeconds + (performance.now() - started) / 1000;
  return history;
}
