import { compile, ivector, matrix, NDArray, shared, type Backend, type CompiledFunction, type SharedVariable, type Variable } from '@hypatia/core';
import { isOutputLayer, type Layer, type OutputLayer } from './layers/layer.js';
import type { Dataset } from './data/dataset.js';
import { checkDataset, checkImageArray, checkLayerChain } from './data/check-data.js';
import { sgd, type UpdateRule } from './optimizers/optimizers.js';
import type { TrainingHistory } from './training/history.js';
import type { FitOptions } from './training/fit.js';
import { accuracyFunction } from './training/accuracy.js';
import { train } from './training/training-loop.js';

/** Network.sgd's options: fit's of the same names, network3's lmbda and the update rule. */
export interface SgdOptions extends Pick<FitOptions,
  'onEpoch' | 'backend' | 'progress' | 'penalty' | 'maxNorm' | 'earlyStoppingPatience' | 'evalBatchSize' | 'testEveryEpoch' | 'checkpoint'> {
  /** L2 regularisation strength (network3's lmbda: 0.5 lmbda sum w^2 / the number of mini-batches). */
  lmbda?: number;
  /** Replaces plain SGD with learning rate eta (any optimiser: momentum(...), adam(...)). */
  updateRule?: UpdateRule;
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

  /**
   * Train with mini-batch SGD (network3's SGD), compiling the train and accuracy functions once: fit's
   * training loop with network3's conventions (lmbda divided by the number of mini-batches; an epoch
   * at least as good as the best so far becomes the best, and the test accuracy is measured there; no
   * shuffling; every epoch runs even if the cost diverges).
   */
  async sgd(
    trainingData: Dataset, epochs: number, miniBatchSize: number, eta: number,
    validationData?: Dataset | null, testData?: Dataset | null, options: SgdOptions = {},
  ): Promise<TrainingHistory> {
    if (miniBatchSize !== this.miniBatchSize) throw new Error(`sgd: miniBatchSize ${miniBatchSize} differs from the network's ${this.miniBatchSize}`);
    return train(this, trainingData, {
      epochs, optimizer: options.updateRule ?? sgd(eta), l2: options.lmbda ?? 0, l2Scale: 'mini-batches', penalty: options.penalty,
      maxNorm: options.maxNorm, earlyStoppingPatience: options.earlyStoppingPatience, stopOnDivergence: false,
      validation: validationData, test: testData, testAccuracyAt: 'best-validation', testEveryEpoch: options.testEveryEpoch, evalBatchSize: options.evalBatchSize,
      backend: options.backend, progress: options.progress, onEpoch: options.onEpoch, checkpoint: options.checkpoint,
    }, { name: 'Network.sgd', settings: { eta }, started: (backend) => { this.lastBackend = backend; } });
  }

  /** Fraction of `data` classified correctly. */
  async accuracy(data: Dataset, options: { backend?: string | Backend; evalBatchSize?: number } = {}): Promise<number> {
    checkDataset('Network.accuracy', 'data', data, this.layers);
    const f = await accuracyFunction(this, shared(data.x, { name: 'dataX' }), shared(data.y, { name: 'dataY' }), 'data', options.backend ?? this.lastBackend, options.evalBatchSize);
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
}
