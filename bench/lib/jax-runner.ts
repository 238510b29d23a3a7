// jax-js on its wasm device with jit: the same networks as pure functions of a parameter list, the
// SGD step (value, gradient and update) traced and compiled once by jit. jax-js counts references:
// every function consumes its array arguments, so arrays used twice are passed as .ref.
import { numpy as np, nn, lax, jit, valueAndGrad, tree, init, defaultDevice } from '@jax-js/jax';
import { CONV_FEATURES, ETA, type BenchData, type NetKind, type Param } from './workloads.js';
import { measureRate, sgemmFlops, type Budget } from './timing.js';
import { filled, type Runner } from './runner.js';

type Arr = np.Array;

function logits(kind: NetKind, p: Arr[], x: Arr): Arr {
  if (kind === 'shallow') {
    const h = nn.sigmoid(np.dot(x, p[0]!).add(p[1]!));
    return np.dot(h, p[2]!).add(p[3]!);
  }
  const n = x.shape[0]!;
  const conv = lax.conv(x.reshape([n, 1, 28, 28]), p[0]!, [1, 1], 'VALID'); // [n, 20, 24, 24]
  const pooled = conv.reshape([n, 20, 12, 2, 12, 2]).max([3, 5]);
  const a = nn.sigmoid(pooled.add(p[1]!.reshape([1, 20, 1, 1])));
  const h = nn.sigmoid(np.dot(a.reshape([n, CONV_FEATURES]), p[2]!).add(p[3]!));
  return np.dot(h, p[4]!).add(p[5]!);
}

/** Log-likelihood cost with one-hot targets: -mean(sum(log softmax(z) * y, 1)). */
function cost(kind: NetKind, p: Arr[], x: Arr, yOneHot: Arr): Arr {
  return nn.logSoftmax(logits(kind, p, x), -1).mul(yOneHot).sum(1).mean().neg();
}

const arrays = (params: Param[]): Arr[] => params.map((p) => np.array(p.data.slice()).reshape(p.shape));

export class JaxRunner implements Runner {
  readonly key = 'jax-js';
  readonly notes: string[] = [];
  private ready: Promise<void> | null = null;

  private use(): Promise<void> {
    this.ready ??= (async () => {
      const got = await init('wasm');
      if (!got.includes('wasm')) throw new Error('jax-js: the wasm device did not start');
      defaultDevice('wasm');
    })();
    return this.ready;
  }

  async train(kind: NetKind, miniBatch: number, params: Param[], data: BenchData, budget: Budget, costs?: number[]): Promise<number> {
    await this.use();
    const step = jit((p: Arr[], x: Arr, y: Arr) => {
      const [c, g] = valueAndGrad((q: Arr[]) => cost(kind, q, x, y))(tree.ref(p));
      return [c, p.map((w, i) => w.sub(g[i]!.mul(ETA)))] as [Arr, Arr[]];
    });
    let p = arrays(params);
    const batches = Math.floor(data.nTrain / miniBatch);
    try {
      return await measureRate(budget, miniBatch, async (s) => {
        const b = s % batches;
        const x = np.array(data.trainX.slice(b * miniBatch * 784, (b + 1) * miniBatch * 784)).reshape([miniBatch, 784]);
        const y = nn.oneHot(np.array(data.trainY.slice(b * miniBatch, (b + 1) * miniBatch), { dtype: np.int32 }), 10);
        const [c, next] = step(p, x, y);
        p = next;
        const v = (await c.data())[0]!;
        costs?.push(v);
        if (!Number.isFinite(v)) throw new Error(`jax-js: training cost became ${v}`);
      });
    } finally {
      p.forEach((a) => a.dispose());
      step.dispose();
    }
  }

  async infer(kind: NetKind, params: Param[], data: BenchData, budget: Budget): Promise<number> {
    await this.use();
    const predict = jit((p: Arr[], x: Arr) => np.argmax(logits(kind, p, x), 1));
    const p = arrays(params);
    const out = new Int32Array(data.nValid);
    try {
      return await measureRate({ ...budget, warmup: 1 }, data.nValid, async () => {
        for (let s = 0; s < data.nValid; s += 1000) {
          const e = Math.min(data.nValid, s + 1000);
          const x = np.array(data.validX.slice(s * 784, e * 784)).reshape([e - s, 784]);
          out.set((await predict(tree.ref(p), x).data()) as Int32Array, s);
        }
      });
    } finally {
      p.forEach((a) => a.dispose());
      predict.dispose();
    }
  }

  async sgemm(m: number, k: number, n: number, budget: Budget): Promise<number> {
    await this.use();
    const mm = jit((a: Arr, b: Arr) => np.matmul(a, b));
    const a = np.array(filled(m * k, 1)).reshape([m, k]), b = np.array(filled(k * n, 2)).reshape([k, n]);
    try {
      return (await measureRate(budget, sgemmFlops(m, k, n), async () => { await mm(a.ref, b.ref).data(); })) / 1e9;
    } finally {
      a.dispose();
      b.dispose();
      mm.dispose();
    }
  }

  /**
   * jax-js keeps no compiled code between processes, so only a cold figure exists: the first call of
   * the jitted conv step (trace, compile, run) less the median of later calls (run only). Its kernels
   * are cached per process, so this is cold only in a fresh process (bench/compile-conv.ts jax-js).
   */
  async compileConv(cached: boolean, params: Param[], data: BenchData): Promise<number | null> {
    if (cached) {
      this.notes.push('jax-js compile-conv-cached: jax-js keeps compiled code only in memory, so a new process always compiles cold');
      return null;
    }
    await this.use();
    const step = jit((p: Arr[], x: Arr, y: Arr) => {
      const [c, g] = valueAndGrad((q: Arr[]) => cost('conv', q, x, y))(tree.ref(p));
      return [c, p.map((w, i) => w.sub(g[i]!.mul(ETA)))] as [Arr, Arr[]];
    });
    let p = arrays(params);
    const call = async (): Promise<number> => {
      const x = np.array(data.trainX.slice(0, 10 * 784)).reshape([10, 784]);
      const y = nn.oneHot(np.array(data.trainY.slice(0, 10), { dtype: np.int32 }), 10);
      const t0 = performance.now();
      const [c, next] = step(p, x, y);
      p = next;
      await c.data();
      return (performance.now() - t0) / 1000;
    };
    try {
      const first = await call();
      const later = [await call(), await call(), await call()].sort((a, b) => a - b);
      return first - later[1]!;
    } finally {
      p.forEach((a) => a.dispose());
      step.dispose();
    }
  }
}
