// One network on one backend: the training step, the validation count and the digit classifier,
// compiled once, as network3 compiles them (the data in shared variables, each mini-batch selected
// by givens from a symbolic index). Calls go one at a time, so a digit drawn while the network
// trains is classified between two steps.
import { compile, grad, iscalar, NDArray, shared, type CompiledFunction, type SharedVariable, type Variable } from '@hypatia/core';
import { add, castTo, eq, mul, sliceAxis, sum } from '@hypatia/ops';
import { sgdRule, type Dataset, type Network, type SoftmaxLayer } from '@hypatia/nn';
import { buildNetwork, type NetworkKind } from './networks.js';

/** One point of the chart: after `batches` mini-batches, the mean training cost since the last point and the validation accuracy. */
export interface TrainingPoint {
  batches: number;
  examples: number;
  /** Null for the point before training. */
  cost: number | null;
  accuracy: number;
}

export interface TrainingPlan {
  epochs: number;
  /** Mini-batches between two points of the chart. */
  evalEvery: number;
  /** The cost is read back every this many steps (a GPU step that reads nothing back does not wait for the GPU). */
  readCostEvery: number;
}

export interface TrainingHooks {
  /** After each step; returning true stops training. */
  onStep(done: number, total: number, examplesPerSecond: number): boolean | void;
  onPoint(point: TrainingPoint): void;
  /** Called after each point and at least every 30 ms of training; resolves when the browser had its turn. */
  yieldToBrowser(): Promise<void>;
}

const EVAL_BATCH = 100;

export class TrainingSession {
  private queue: Promise<unknown> = Promise.resolve();
  private batchesDone = 0;

  private constructor(
    readonly kind: NetworkKind,
    /** The backend that runs the functions (fn.backend). */
    readonly backend: string,
    readonly miniBatch: number,
    private readonly nTrain: number,
    private readonly nValid: number,
    private readonly trainStep: CompiledFunction<NDArray>,
    private readonly countCorrect: CompiledFunction<NDArray>,
    private readonly classify: CompiledFunction<NDArray>,
  ) {}

  static async create(kind: NetworkKind, backend: string, data: { training: Dataset; validation: Dataset }, eta: number, miniBatch = 10): Promise<TrainingSession> {
    const net: Network = buildNetwork(kind, miniBatch);
    const out = net.layers[net.layers.length - 1] as SoftmaxLayer;
    const cost = out.cost(net.y);
    const batch = (x: SharedVariable, y: SharedVariable, i: Variable, n: number): [Variable, Variable][] => [
      [net.x, sliceAxis(x, 0, mul(i, n), mul(add(i, 1), n))],
      [net.y, sliceAxis(y, 0, mul(i, n), mul(add(i, 1), n))],
    ];
    const i = iscalar('i');
    const trainStep = await compile({
      name: 'train_mb', inputs: [i], outputs: cost, backend,
      updates: sgdRule(eta).updates(net.params, grad(cost, net.params)),
      givens: batch(shared(data.training.x, { name: 'trainingX' }), shared(data.training.y, { name: 'trainingY' }), i, miniBatch),
    });
    const j = iscalar('j');
    const countCorrect = await compile({
      name: 'validation_correct', inputs: [j], outputs: sum(castTo(eq(net.y, out.yOut), 'int32')), backend,
      givens: batch(shared(data.validation.x, { name: 'validationX' }), shared(data.validation.y, { name: 'validationY' }), j, EVAL_BATCH),
    });
    const classify = await compile({ name: 'probabilities', inputs: [net.x], outputs: out.output, backend });
    return new TrainingSession(kind, trainStep.backend, miniBatch, data.training.y.size, data.validation.y.size, trainStep, countCorrect, classify);
  }

  get batchesPerEpoch(): number {
    return Math.floor(this.nTrain / this.miniBatch);
  }

  /** Runs `f` after every call already queued on this session's functions. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const next = this.queue.then(f);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The fraction of the validation images classified correctly. */
  accuracy(): Promise<number> {
    return this.exclusive(async () => {
      let correct = 0;
      for (let b = 0; b * EVAL_BATCH < this.nValid; b++) correct += (await this.countCorrect(b)).data[0]!;
      return correct / this.nValid;
    });
  }

  /** The network's 10 class probabilities for one 28x28 image (784 pixels in [0, 1]). */
  probabilities(image: Float32Array): Promise<Float32Array> {
    return this.exclusive(async () => Float32Array.from((await this.classify(new NDArray('float32', [1, 784], image))).data));
  }

  /** Trains for `plan.epochs` epochs (or until onStep says stop), reporting a point every `plan.evalEvery` mini-batches. */
  async train(plan: TrainingPlan, hooks: TrainingHooks): Promise<'done' | 'stopped'> {
    const perEpoch = this.batchesPerEpoch;
    const total = plan.epochs * perEpoch;
    if (this.batchesDone === 0) hooks.onPoint({ batches: 0, examples: 0, cost: null, accuracy: await this.accuracy() });
    let costSum = 0, costCount = 0, trainingMs = 0, lastYield = performance.now();
    for (let s = 1; s <= total; s++) {
      const readCost = s % plan.readCostEvery === 0 || s % plan.evalEvery === 0;
      const t0 = performance.now();
      const [c] = await this.exclusive(() => this.trainStep.run([NDArray.from((s - 1) % perEpoch, 'int32')], { readOutputs: readCost }));
      trainingMs += performance.now() - t0;
      this.batchesDone++;
      if (readCost) {
        costSum += c!.data[0]!;
        costCount++;
      }
      const stop = hooks.onStep(s, total, (s * this.miniBatch) / (trainingMs / 1000)) === true;
      const point = s % plan.evalEvery === 0 || s === total || stop;
      if (point) {
        hooks.onPoint({
          batches: this.batchesDone, examples: this.batchesDone * this.miniBatch,
          cost: costCount ? costSum / costCount : null, accuracy: await this.accuracy(),
        });
        costSum = 0;
        costCount = 0;
      }
      if (stop) return 'stopped';
      // After each chart point as well as every 30 ms: a fast backend trains a whole chart's worth of
      // mini-batches between two 30 ms turns, and each point should reach the screen as it comes.
      if (point || performance.now() - lastYield > 30) {
        await hooks.yieldToBrowser();
        lastYield = performance.now();
      }
    }
    return 'done';
  }
}
