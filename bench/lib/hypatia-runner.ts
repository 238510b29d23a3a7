// Hypatia on one backend: the network3 training function compiled as Network.sgd compiles it (data in
// shared variables, each mini-batch selected by givens from a symbolic index), Network.predict for
// inference, and a compiled dot for sgemm.
import { NDArray, compile, grad, iscalar, matrix, shared, type CompiledFunction } from '@hypatia/core';
import { add, dot, mul, sliceAxis } from '@hypatia/ops';
import { sgdRule } from '@hypatia/nn';
import { buildNetwork, ETA, type BenchData, type NetKind, type Param } from './workloads.js';
import { measureRate, sgemmFlops, type Budget } from './timing.js';
import { filled, type Runner } from './runner.js';

/** The conv (or shallow) training function, compiled on `backend`, starting from `params`. */
export async function compileTraining(
  backend: string, kind: NetKind, miniBatch: number, params: Param[] | null, data: BenchData,
  backendOptions?: Record<string, unknown>,
): Promise<CompiledFunction<NDArray>> {
  const net = buildNetwork(kind, miniBatch);
  if (params) net.params.forEach((p, i) => p.set(new NDArray('float32', params[i]!.shape, params[i]!.data.slice())));
  const cost = net.layers[net.layers.length - 1] as unknown as { cost: (y: unknown) => never };
  const c = cost.cost(net.y);
  const grads = grad(c, net.params);
  const trainX = shared(new NDArray('float32', [data.nTrain, 784], data.trainX), { name: 'trainingX' });
  const trainY = shared(new NDArray('int32', [data.nTrain], data.trainY), { name: 'trainingY' });
  const i = iscalar('i');
  const mb = miniBatch;
  return compile({
    name: `train_${kind}_mb${mb}`, inputs: [i], outputs: c, backend, backendOptions,
    updates: sgdRule(ETA).updates(net.params, grads),
    givens: [[net.x, sliceAxis(trainX, 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(trainY, 0, mul(i, mb), mul(add(i, 1), mb))]],
  });
}

export class HypatiaRunner implements Runner {
  readonly notes: string[] = [];
  /** `options` go to every training and sgemm compile (native's `threads` is process-wide: the last compile's count holds). */
  constructor(readonly key: string, readonly backend: string, readonly options?: Record<string, unknown>) {}

  async train(kind: NetKind, miniBatch: number, params: Param[], data: BenchData, budget: Budget, costs?: number[]): Promise<number> {
    const step = await compileTraining(this.backend, kind, miniBatch, params, data, this.options);
    const batches = Math.floor(data.nTrain / miniBatch);
    return measureRate(budget, miniBatch, async (s) => {
      const cost = await step(s % batches);
      costs?.push(cost.data[0]!);
      if (!Number.isFinite(cost.data[0]!)) throw new Error(`${this.key}: training cost became ${cost.data[0]}`);
    });
  }

  async infer(kind: NetKind, params: Param[], data: BenchData, budget: Budget): Promise<number> {
    const net = buildNetwork(kind, 1000);
    net.params.forEach((p, i) => p.set(new NDArray('float32', params[i]!.shape, params[i]!.data.slice())));
    const x = new NDArray('float32', [data.nValid, 784], data.validX.subarray(0, data.nValid * 784));
    return measureRate({ ...budget, warmup: 1 }, data.nValid, () => net.predict(x, { backend: this.backend, batchSize: 1000 }));
  }

  async sgemm(m: number, k: number, n: number, budget: Budget): Promise<number> {
    const a = matrix('a'), b = matrix('b');
    const f = await compile({ name: `sgemm_${m}x${k}x${n}`, inputs: [a, b], outputs: dot(a, b), backend: this.backend, backendOptions: this.options });
    const A = new NDArray('float32', [m, k], filled(m * k, 1)), B = new NDArray('float32', [k, n], filled(k * n, 2));
    return (await measureRate(budget, sgemmFlops(m, k, n), () => f(A, B))) / 1e9;
  }
}
