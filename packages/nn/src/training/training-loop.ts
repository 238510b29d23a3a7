import { compile, grad, iscalar, shared, type Backend, type SharedVariable, type Variable } from '@hypatia/core';
import { add, mul, sliceAxis } from '@hypatia/ops';
import type { Network } from '../network.js';
import type { Dataset } from '../data/dataset.js';
import { checkDataset, NnDataError } from '../data/check-data.js';
import { isStatefulLayer, type OutputLayer } from '../layers/layer.js';
import { l1Penalty, l2Penalty, network3L2Penalty, penalisedParams, withPenalties } from '../regularization/penalties.js';
import { withMaxNorm } from '../regularization/max-norm.js';
import { EarlyStopping, type EarlyStoppingRecord } from '../regularization/early-stopping.js';
import { applySchedule, HalveOnPlateau, type HalveOnPlateauRecord } from '../schedules/schedules.js';
import { clipGradientNorm } from '../optimizers/clip.js';
import { sgd } from '../optimizers/optimizers.js';
import { shuffleDataset } from '../preprocessing/split.js';
import { namedParams } from '../io/param-names.js';
import { CheckpointError, stateNames, TrainingCheckpoint, type CheckpointProgress, type Fingerprint } from './checkpoint.js';
import { updatedSharedVariables } from './training-state.js';
import { ProgressBar, stdoutSink, terminalSink } from './progress-bar.js';
import { accuracyFunction } from './accuracy.js';
import type { EpochReport, TrainingHistory } from './history.js';
import type { FitOptions } from './fit.js';

/** The public call a training run serves: fit, or Network.sgd with network3's settings. */
export interface TrainingCall {
  /** Names the call in errors and checkpoints; a checkpoint resumes only through the call that wrote it. */
  name: string;
  /** Arguments of the call beyond FitOptions that a resumed run must share. */
  settings?: Fingerprint;
  /** Runs once the data is checked, before anything is compiled. */
  started?: (backend: string | Backend) => void;
}

/** What a checkpoint records besides the tensors. */
interface Progress extends CheckpointProgress {
  reports: EpochReport[];
  bestValidationAccuracy: number | null;
  bestEpoch: number | null;
  testAccuracy: number | null;
  stoppedEarly: boolean;
  /** Wall and training-step seconds of the epochs done, over every call that ran them. */
  seconds: number;
  trainSeconds: number;
  earlyStopping: EarlyStoppingRecord | null;
  halveOnPlateau: HalveOnPlateauRecord | null;
}

/**
 * The one training loop of fit and Network.sgd: it checks the data, builds the cost, gradients and
 * updates as graph and compiles them into one step over mini-batches selected by givens (as network3
 * does), then per epoch runs the step over every mini-batch, measures the accuracies, keeps the best
 * epoch, applies schedules, early stopping and the plateau rule, saves the checkpoint and reports.
 */
export async function train(net: Network, training: Dataset, options: FitOptions, call: TrainingCall): Promise<TrainingHistory> {
  const started = performance.now();
  const mb = net.miniBatchSize;
  // Every dataset is checked before anything is compiled or trained.
  const n = checkDataset(call.name, 'training data', training, net.layers);
  if (options.validation) checkDataset(call.name, 'validation data', options.validation, net.layers);
  if (options.test) checkDataset(call.name, 'test data', options.test, net.layers);
  const nBatches = Math.floor(n / mb);
  if (nBatches === 0) throw new NnDataError(call.name, `training data: ${n} examples make no mini-batch of ${mb}`);
  const backend = options.backend ?? 'cpu';
  call.started?.(backend);
  const opt = options.optimizer ?? sgd(0.1);
  const network3 = options.testAccuracyAt === 'best-validation';

  const decayed = penalisedParams(net.layers, options.penaliseBiases);
  const l2 = options.l2Scale === 'mini-batches' ? network3L2Penalty(decayed, options.l2 ?? 0, nBatches) : l2Penalty(decayed, options.l2 ?? 0, n);
  const output = net.layers[net.layers.length - 1] as OutputLayer;
  const cost = withPenalties(output.cost(net.y), l2, l1Penalty(decayed, options.l1 ?? 0, n), options.penalty ?? null);
  let grads: Variable[] = grad(cost, net.params);
  if (options.clipNorm) grads = clipGradientNorm(grads, options.clipNorm);
  let updates = opt.updates(net.params, grads);
  if (options.maxNorm) updates = withMaxNorm(updates, net.layers.flatMap((l) => [...l.weights]), options.maxNorm);
  // Layers with state of their own (batch norm's running averages) update it on every training step.
  for (const l of net.layers) if (isStatefulLayer(l)) updates.push(...l.stateUpdates());

  const stopper = options.earlyStoppingPatience && options.validation ? new EarlyStopping(net.params, { patience: options.earlyStoppingPatience }) : null;
  const halver = options.halveOnPlateau ? new HalveOnPlateau(opt.lr, options.halveOnPlateau.patience, options.halveOnPlateau.stopRatio) : null;
  const history: TrainingHistory = { epochs: [], bestValidationAccuracy: null, bestEpoch: null, testAccuracy: null, stoppedEarly: false, seconds: 0, trainExamplesPerSec: 0 };
  let firstEpoch = 0;
  let stopped = false;
  let earlierSeconds = 0;
  let trainSeconds = 0;
  // The learning rate changes between epochs (schedules, the plateau rule), outside the step's updates.
  const checkpoint = options.checkpoint ? new TrainingCheckpoint<Progress>(
    call.name, options.checkpoint, stateNames(namedParams(net), updatedSharedVariables([cost], updates), new Map([['optimizer.lr', opt.lr]])), namedParams(net), {
      trainingExamples: n, validationExamples: options.validation?.y.size ?? null, testExamples: options.test?.y.size ?? null, miniBatchSize: mb,
      optimizer: opt.name, l2: options.l2 ?? 0, l2Scale: options.l2Scale ?? 'examples', l1: options.l1 ?? 0, penaliseBiases: options.penaliseBiases ?? false,
      penalty: Boolean(options.penalty), maxNorm: options.maxNorm ?? null, clipNorm: options.clipNorm ?? null,
      earlyStoppingPatience: stopper ? options.earlyStoppingPatience! : null, stopOnDivergence: options.stopOnDivergence ?? true,
      schedule: Boolean(options.schedule), halveOnPlateau: options.halveOnPlateau ? JSON.stringify(options.halveOnPlateau) : null,
      shuffleSeed: options.shuffleSeed ?? null, trainAccuracy: options.trainAccuracy ?? false, testAccuracyAt: options.testAccuracyAt ?? 'end',
      testEveryEpoch: options.testEveryEpoch ?? false, ...call.settings,
    },
  ) : null;
  const resumed = checkpoint?.restore((p, where) => {
    if (p.epochsDone > options.epochs) throw new CheckpointError(call.name, `${where} has ${p.epochsDone} epochs done, more than the ${options.epochs} asked for`);
  });
  if (resumed) {
    const p = resumed.progress;
    Object.assign(history, { epochs: p.reports, bestValidationAccuracy: p.bestValidationAccuracy, bestEpoch: p.bestEpoch, testAccuracy: p.testAccuracy, stoppedEarly: p.stoppedEarly });
    if (stopper && p.earlyStopping) stopper.resume(p.earlyStopping, resumed.best);
    if (halver && p.halveOnPlateau) halver.resume(p.halveOnPlateau);
    firstEpoch = p.epochsDone;
    stopped = p.stopped;
    earlierSeconds = p.seconds;
    trainSeconds = p.trainSeconds;
  }

  const trainX = shared(training.x, { name: 'trainingX' });
  const trainY = shared(training.y, { name: 'trainingY' });
  const i = iscalar('i');
  const rows = (v: Variable) => sliceAxis(v, 0, mul(i, mb), mul(add(i, 1), mb));
  // A finished run resumed compiles no training step.
  const step = !stopped && firstEpoch < options.epochs
    ? await compile({ name: 'train_mb', inputs: [i], outputs: cost, backend, updates, givens: [[net.x, rows(trainX)], [net.y, rows(trainY)]] })
    : null;
  // Each accuracy function is compiled when first needed.
  const accuracyOf = (label: string, x: SharedVariable, y: SharedVariable) => {
    let f: Promise<() => Promise<number>> | null = null;
    return async () => (await (f ??= accuracyFunction(net, x, y, label, backend, options.evalBatchSize)))();
  };
  const sharedData = (d: Dataset, label: string) => accuracyOf(label, shared(d.x, { name: `${label}X` }), shared(d.y, { name: `${label}Y` }));
  const validate = options.validation ? sharedData(options.validation, 'validationData') : null;
  const test = options.test ? sharedData(options.test, 'testData') : null;
  // The training rows as the step sees them (shuffled or not: the accuracy does not depend on the order).
  const trainAccuracy = options.trainAccuracy ? accuracyOf('trainingData', trainX, trainY) : null;

  const sink = options.progress === true ? stdoutSink() : options.progress ? options.progress : options.progress === false ? null : terminalSink();
  for (let epoch = firstEpoch; step && !stopped && epoch < options.epochs; epoch++) {
    const eta = options.schedule ? applySchedule(opt.lr, options.schedule, epoch) : opt.lr.get({ borrow: true }).data[0]!;
    if (options.shuffleSeed !== undefined) {
      const s = shuffleDataset(training, options.shuffleSeed + epoch);
      trainX.set(s.x); trainY.set(s.y);
    }
    // Numbered from 0 like EpochReport.epoch and network3's "Epoch 0" lines, with the count beside it.
    const bar = sink ? new ProgressBar(sink, nBatches, `epoch ${epoch} (${epoch + 1} of ${options.epochs})`) : null;
    const t0 = performance.now();
    let costSum = 0;
    for (let b = 0; b < nBatches; b++) {
      costSum += (await step(b)).item();
      bar?.update(b + 1, `cost ${(costSum / (b + 1)).toFixed(4)}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    bar?.finish();

    const validationAccuracy = validate ? await validate() : null;
    const epochTestAccuracy = test && options.testEveryEpoch ? await test() : null;
    const best = history.bestValidationAccuracy;
    // network3 counts a tie with the best as the new best, and measures the test accuracy there.
    if (validationAccuracy !== null && (best === null || validationAccuracy > best || (network3 && validationAccuracy === best))) {
      history.bestValidationAccuracy = validationAccuracy;
      history.bestEpoch = epoch;
      if (network3 && test) history.testAccuracy = epochTestAccuracy ?? await test();
    } else if (network3 && validationAccuracy === null && test) {
      history.testAccuracy = epochTestAccuracy ?? await test();
    }
    const report: EpochReport = {
      epoch, validationAccuracy, bestValidationAccuracy: history.bestValidationAccuracy, testAccuracy: history.testAccuracy, epochTestAccuracy,
      cost: costSum / nBatches, examplesPerSecond: (nBatches * mb) / seconds, seconds, eta, trainAccuracy: trainAccuracy ? await trainAccuracy() : null,
    };
    history.epochs.push(report);

    if ((options.stopOnDivergence ?? true) && !Number.isFinite(report.cost)) stopped = true;
    else if (await stopper?.observe(epoch, validationAccuracy!)) stopped = history.stoppedEarly = true;
    else if (halver && validationAccuracy !== null && halver.observe(validationAccuracy)) stopped = history.stoppedEarly = true;
    // Saved before onEpoch: a callback that sees an epoch can rely on its checkpoint being on disk.
    await checkpoint?.save({
      epochsDone: epoch + 1, stopped, reports: history.epochs, bestValidationAccuracy: history.bestValidationAccuracy, bestEpoch: history.bestEpoch,
      testAccuracy: history.testAccuracy, stoppedEarly: history.stoppedEarly, seconds: earlierSeconds + (performance.now() - started) / 1000, trainSeconds,
      earlyStopping: stopper?.record ?? null, halveOnPlateau: halver?.record ?? null,
    }, stopper?.bestWeights ?? null);
    options.onEpoch?.(report);
  }
  stopper?.restoreBest();
  if (!network3 && test) history.testAccuracy = await test();
  history.seconds = earlierSeconds + (performance.now() - started) / 1000;
  history.trainExamplesPerSec = trainSeconds > 0 ? (history.epochs.length * nBatches * mb) / trainSeconds : 0;
  return history;
}
