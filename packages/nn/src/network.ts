import { compile, grad, iscalar, ivector, matrix, NDArray, shared, type Backend, type CompiledFunction, type SharedVariable, type Variable } from '@hypatia/core';
import { add, castTo, div, eq, mul, sliceAxis, sum, square } from '@hypatia/ops';
import { isOutputLayer, type Layer, type OutputLayer } from './layers/layer.js';
import type { Dataset } from './data/dataset.js';
import { checkDataset, checkImageArray, checkLayerChain, NnDataError } from './data/check-data.js';
import { sgdRule, type UpdateRule } from './training/update-rules.js';
import { ProgressBar, stdoutSink, terminalSink, type ProgressSink } from './training/progress-bar.js';
import { isStatefulLayer } from './normalization/batch-norm.js';
import { withMaxNorm } from './regularization/max-norm.js';
import { EarlyStopping, type EarlyStoppingRecord } from './regularization/early-stopping.js';
import { namedParams } from './io/param-names.js';
import { CheckpointError, stateNames, TrainingCheckpoint, type CheckpointOptions, type CheckpointProgress } from './training/checkpoint.js';
import { updatedSharedVariables } from './training/training-state.js';

/** What sgd reports after each epoch. */
export interface EpochReport {
  /** 0-based, as network3 prints it. */
  epoch: number;
  validationAccuracy: number | null;
  bestValidationAccuracy: number | null;
  /** Test accuracy measured at the epoch of the best validation accuracy so far. */
  testAccuracy: number | null;
  /** Test accuracy of this epoch's weights, measured only with SgdOptions.testEveryEpoch (network3 measures test only when validation improves). */
  epochTestAccuracy: number | null;
  /** Mean regularised training cost over the epoch's mini-batches. */
  cost: number;
  /** Training examples per second in this epoch (training steps only). */
  examplesPerSecond: number;
  seconds: number;
}

export interface TrainingHistory {
  epochs: EpochReport[];
  bestValidationAccuracy: number | null;
  bestEpoch: number | null;
  testAccuracy: number | null;
  /** Wall time of the whole call, compilation and evaluation included. */
  seconds: number;
  /** Training examples per second over all epochs (training steps only). */
  trainExamplesPerSec: number;
}

export interface SgdOptions {
  /** L2 regularisation strength (network3's lmbda). */
  lmbda?: number;
  onEpoch?: (report: EpochReport) => void;
  /** Backend name or object for the compiled functions (default 'cpu'). */
  backend?: string | Backend;
  /** Show a progress bar: default only when stdout is a terminal; true writes to stdout anyway; or a sink of your own. */
  progress?: boolean | ProgressSink;
  /** Replaces plain SGD with learning rate eta. */
  updateRule?: UpdateRule;
  /** A further penalty added to the cost (e.g. l1Penalty or elasticNetPenalty of the weights). */
  penalty?: Variable | null;
  /** Project each unit's incoming weights into the ball of this radius after every update (max-norm). */
  maxNorm?: number;
  /** Stop after this many epochs without a better validation accuracy and restore the best epoch's weights. */
  earlyStoppingPatience?: number;
  /** Examples per call of the accuracy functions (default 1000; any size gives the same accuracy). */
  evalBatchSize?: number;
  /** Also measure the test accuracy after every epoch (EpochReport.epochTestAccuracy), for test curves. */
  testEveryEpoch?: boolean;
  /**
   * Save a checkpoint after every epoch (weights, optimiser and layer state, random streams, the
   * epoch reports and best-so-far record, early stopping's best weights) and, with `resume`, continue
   * from one: the result is the same as one call without the interruption, bit for bit on the same backend.
   */
  checkpoint?: CheckpointOptions;
}

/** What Network.sgd records in a checkpoint besides the tensors. */
interface SgdProgress extends CheckpointProgress {
  reports: EpochReport[];
  bestValidationAccuracy: number | null;
  bestEpoch: number | null;
  testAccuracy: number | null;
  /** Wall and training-step seconds of the epochs done, over every call that ran them. */
  seconds: number;
  trainSeconds: number;
  earlyStopping: EarlyStoppingRecord | null;
}

/** network3's Network: a stack of layers ending in an output layer, trained by mini-batch SGD. */
export class Network {
  readonly layers: readonly Layer[];
  readonly params: SharedVariable[];
  /** Symbolic input rows and integer labels. */
  readonly x: Variable = matrix('x');
  readonly y: Variable = ivector('y');
  readonly output: Variable;
  readonly outputDropout: Variable;
  private readonly last: OutputLayer;
  private predictors = new Map<string | Backend, CompiledFunction<NDArray>>();
  private lastBackend: string | Backend = 'cpu';

  constructor(layers: readonly Layer[], readonly miniBatchSize: number) {
    if (layers.length === 0) throw new Error('Network: needs at least one layer');
    if (!Number.isInteger(miniBatchSize) || miniBatchSize <= 0) throw new RangeError(`Network: miniBatchSize must be a positive integer, got ${miniBatchSize}`);
    const last = layers[layers.length - 1]!;
    if (!isOutputLayer(last)) throw new Error('Network: the last layer must be an output layer (with cost() and yOut), e.g. a SoftmaxLayer');
    checkLayerChain('Network', layers);
    this.layers = layers;
    this.last = last;
    this.params = layers.flatMap((l) => [...l.params]);
    layers[0]!.setInput(this.x, this.x, miniBatchSize);
    for (let j = 1; j < layers.length; j++) layers[j]!.setInput(layers[j - 1]!.output, layers[j - 1]!.outputDropout, miniBatchSize);
    this.output = last.output;
    this.outputDropout = last.outputDropout;
  }

  /** Train with mini-batch SGD (network3's SGD), compiling the train and accuracy functions once. */
  async sgd(
    trainingData: Dataset, epochs: number, miniBatchSize: number, eta: number,
    validationData?: Dataset | null, testData?: Dataset | null, options: SgdOptions = {},
  ): Promise<TrainingHistory> {
    const started = performance.now();
    if (miniBatchSize !== this.miniBatchSize) throw new Error(`sgd: miniBatchSize ${miniBatchSize} differs from the network's ${this.miniBatchSize}`);
    // Every dataset is checked before anything is compiled or trained.
    const n = checkDataset('Network.sgd', 'training data', trainingData, this.layers);
    if (validationData) checkDataset('Network.sgd', 'validation data', validationData, this.layers);
    if (testData) checkDataset('Network.sgd', 'test data', testData, this.layers);
    const nBatches = Math.floor(n / miniBatchSize);
    if (nBatches === 0) throw new NnDataError('Network.sgd', `training data: ${n} examples make no mini-batch of ${miniBatchSize}`);
    const backend = options.backend ?? 'cpu';
    this.lastBackend = backend;
    const lmbda = options.lmbda ?? 0;
    const rule = options.updateRule ?? sgdRule(eta);

    // The regularised log-likelihood cost, built symbolically (network3).
    const l2 = this.layers.flatMap((l) => [...l.weights]).map((w) => sum(square(w)));
    let cost = this.last.cost(this.y);
    if (lmbda > 0 && l2.length) cost = add(cost, div(mul(0.5 * lmbda, l2.reduce((a, b) => add(a, b))), nBatches));
    if (options.penalty) cost = add(cost, options.penalty);
    const grads = grad(cost, this.params);
    let updates = rule.updates(this.params, grads);
    if (options.maxNorm) updates = withMaxNorm(updates, this.layers.flatMap((l) => [...l.weights]), options.maxNorm);
    // Layers with state of their own (batch norm's running averages) update it on every training step.
    for (const l of this.layers) if (isStatefulLayer(l)) updates.push(...l.stateUpdates());

    const stopper = options.earlyStoppingPatience && validationData ? new EarlyStopping(this.params, { patience: options.earlyStoppingPatience }) : null;
    const history: TrainingHistory = { epochs: [], bestValidationAccuracy: null, bestEpoch: null, testAccuracy: null, seconds: 0, trainExamplesPerSec: 0 };
    let trainSeconds = 0;
    let earlierSeconds = 0;
    let firstEpoch = 0;
    let stopped = false;
    const checkpoint = options.checkpoint ? new TrainingCheckpoint<SgdProgress>('Network.sgd', options.checkpoint, stateNames(namedParams(this), updatedSharedVariables([cost], updates)), namedParams(this), {
      trainingExamples: n, validationExamples: validationData?.y.size ?? null, testExamples: testData?.y.size ?? null,
      miniBatchSize, eta, lmbda, updateRule: rule.name, penalty: Boolean(options.penalty), maxNorm: options.maxNorm ?? null,
      earlyStoppingPatience: stopper ? options.earlyStoppingPatience! : null,
    }) : null;
    const resumed = checkpoint?.restore((p, where) => {
      if (p.epochsDone > epochs) throw new CheckpointError('Network.sgd', `${where} has ${p.epochsDone} epochs done, more than the ${epochs} asked for`);
    });
    if (resumed) {
      const p = resumed.progress;
      Object.assign(history, { epochs: p.reports, bestValidationAccuracy: p.bestValidationAccuracy, bestEpoch: p.bestEpoch, testAccuracy: p.testAccuracy });
      if (stopper && p.earlyStopping) stopper.resume(p.earlyStopping, resumed.best);
      firstEpoch = p.epochsDone;
      stopped = p.stopped;
      earlierSeconds = p.seconds;
      trainSeconds = p.trainSeconds;
    }

    const remaining = stopped ? 0 : epochs - firstEpoch;
    const trainX = shared(trainingData.x, { name: 'trainingX' });
    const trainY = shared(trainingData.y, { name: 'trainingY' });
    const i = iscalar('i');
    const mb = miniBatchSize;
    // A finished run resumed compiles nothing.
    const train = remaining > 0 ? await compile({
      name: 'train_mb', inputs: [i], outputs: cost, backend,
      updates,
      givens: [[this.x, sliceAxis(trainX, 0, mul(i, mb), mul(add(i, 1), mb))], [this.y, sliceAxis(trainY, 0, mul(i, mb), mul(add(i, 1), mb))]],
    }) : null;
    const validate = validationData && train ? await this.accuracyFunction(validationData, 'validationData', backend, options.evalBatchSize) : null;
    const test = testData && train ? await this.accuracyFunction(testData, 'testData', backend, options.evalBatchSize) : null;

    const sink = options.progress === true ? stdoutSink() : options.progress ? options.progress : options.progress === false ? null : terminalSink();
    for (let epoch = firstEpoch; train && epoch < epochs; epoch++) {
      // Numbered from 0 like EpochReport.epoch and network3's "Epoch 0" lines, with the count beside it.
      const bar = sink ? new ProgressBar(sink, nBatches, `epoch ${epoch} (${epoch + 1} of ${epochs})`) : null;
      const t0 = performance.now();
      let costSum = 0;
      for (let b = 0; b < nBatches; b++) {
        const [c] = await train.run([b]);
        costSum += c!.data[0]!;
        bar?.update(b + 1, `cost ${(costSum / (b + 1)).toFixed(4)}`);
      }
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      bar?.finish();
      const validationAccuracy = validate ? await validate() : null;
      const epochTestAccuracy = test && options.testEveryEpoch ? await test() : null;
      if (validationAccuracy !== null && (history.bestValidationAccuracy === null || validationAccuracy >= history.bestValidationAccuracy)) {
        history.bestValidationAccuracy = validationAccuracy;
        history.bestEpoch = epoch;
        if (test) history.testAccuracy = epochTestAccuracy ?? await test();
      } else if (validationAccuracy === null && test) {
        history.testAccuracy = epochTestAccuracy ?? await test();
      }
      const report: EpochReport = {
        epoch, validationAccuracy, bestValidationAccuracy: history.bestValidationAccuracy, testAccuracy: history.testAccuracy, epochTestAccuracy,
        cost: costSum / nBatches, examplesPerSecond: (nBatches * mb) / seconds, seconds,
      };
      history.epochs.push(report);
      stopped = (await stopper?.observe(epoch, validationAccuracy!)) ?? false;
      // Saved before onEpoch: a callback that sees an epoch can rely on its checkpoint being on disk.
      await checkpoint?.save({
        epochsDone: epoch + 1, stopped, reports: history.epochs, bestValidationAccuracy: history.bestValidationAccuracy, bestEpoch: history.bestEpoch,
        testAccuracy: history.testAccuracy, seconds: earlierSeconds + (performance.now() - started) / 1000, trainSeconds, earlyStopping: stopper?.record ?? null,
      }, stopper?.bestWeights ?? null);
      options.onEpoch?.(report);
      if (stopped) break;
    }
    stopper?.restoreBest();
    history.seconds = earlierSeconds + (performance.now() - started) / 1000;
    history.trainExamplesPerSec = trainSeconds > 0 ? (history.epochs.length * nBatches * mb) / trainSeconds : 0;
    return history;
  }

  /** Fraction of `data` classified correctly. */
  async accuracy(data: Dataset, options: { backend?: string | Backend; evalBatchSize?: number } = {}): Promise<number> {
    checkDataset('Network.accuracy', 'data', data, this.layers);
    const f = await this.accuracyFunction(data, 'data', options.backend ?? this.lastBackend, options.evalBatchSize);
    return f();
  }

  /** Predicted class of each row of `x` ([n, inputs] float32), as int32 [n]; run in chunks of `batchSize` rows to bound memory. */
  async predict(x: NDArray, options: { backend?: string | Backend; batchSize?: number } = {}): Promise<NDArray> {
    checkImageArray('Network.predict', 'x', x, this.layers);
    if (x.shape[0] === 0) return NDArray.zeros('int32', [0]);
    const backend = options.backend ?? this.lastBackend;
    let f = this.predictors.get(backend);
    if (!f) {
      f = await compile({ name: 'predict', inputs: [this.x], outputs: this.last.yOut, backend });
      this.predictors.set(backend, f);
    }
    const n = x.shape[0] ?? 1;
    const rows = x.ndim === 2 ? x : x.reshape([n, x.size / n]);
    const chunk = Math.max(1, options.batchSize ?? 1000);
    if (n <= chunk) return f(rows);
    const cols = rows.shape[1]!;
    const out = NDArray.zeros('int32', [n]);
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const part = new NDArray(rows.dtype, [end - start, cols], rows.data.subarray(start * cols, end * cols));
      out.data.set((await f(part)).data, start);
    }
    return out;
  }

  /** Counts correct predictions batch by batch (with dataset slices selected through givens) and divides once; `data` is already checked. */
  private async accuracyFunction(data: Dataset, label: string, backend: string | Backend, evalBatchSize = 1000): Promise<() => Promise<number>> {
    const n = data.y.size;
    const dx = shared(data.x, { name: `${label}X` });
    const dy = shared(data.y, { name: `${label}Y` });
    const i = iscalar('i');
    const e = Math.max(1, Math.min(evalBatchSize, n));
    const correct = sum(castTo(eq(this.y, this.last.yOut), 'int32'));
    const f = await compile({
      name: `${label}_correct`, inputs: [i], outputs: correct, backend,
      givens: [[this.x, sliceAxis(dx, 0, mul(i, e), mul(add(i, 1), e))], [this.y, sliceAxis(dy, 0, mul(i, e), mul(add(i, 1), e))]],
    });
    return async () => {
      let total = 0;
      for (let b = 0; b * e < n; b++) total += (await f(b)).data[0]!;
      return total / n;
    };
  }
}
