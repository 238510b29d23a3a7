// TensorFlow.js 4.22 on its 'cpu' (plain JS) or 'wasm' (XNNPACK) backend: the same networks written
// with tf ops, trained with tf.train.sgd by minimize(), inference in chunks of 1000.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { CONV_FEATURES, ETA, type BenchData, type NetKind, type Param } from './workloads.js';
import { measureRate, sgemmFlops, type Budget } from './timing.js';
import { filled, type Runner } from './runner.js';

/**
 * Hypatia's parameters in tf's layouts: conv filters OIHW -> HWIO, and the rows of the FC layer after
 * the conv layer reordered from Hypatia's (channel, row, col) flattening to tf's NHWC (row, col, channel).
 */
function toTf(kind: NetKind, params: Param[]): tf.Variable[] {
  return params.map((p, i) => {
    let t = tf.tensor(p.data, p.shape, 'float32');
    if (kind === 'conv' && i === 0) t = tf.transpose(t, [2, 3, 1, 0]);
    if (kind === 'conv' && i === 2) t = tf.reshape(tf.transpose(tf.reshape(t, [20, 12, 12, 100]), [1, 2, 0, 3]), [CONV_FEATURES, 100]);
    return tf.variable(t);
  });
}

function logits(kind: NetKind, v: tf.Variable[], x: tf.Tensor2D): tf.Tensor2D {
  if (kind === 'shallow') {
    const h = tf.sigmoid(tf.add(tf.matMul(x, v[0]!), v[1]!));
    return tf.add(tf.matMul(h, v[2]!), v[3]!) as tf.Tensor2D;
  }
  const img = tf.reshape(x, [-1, 28, 28, 1]) as tf.Tensor4D;
  const conv = tf.conv2d(img, v[0] as tf.Tensor4D, 1, 'valid');
  const pooled = tf.maxPool(conv, 2, 2, 'valid');
  const a = tf.sigmoid(tf.add(pooled, v[1]!));
  const h = tf.sigmoid(tf.add(tf.matMul(tf.reshape(a, [-1, CONV_FEATURES]), v[2]!), v[3]!));
  return tf.add(tf.matMul(h, v[4]!), v[5]!) as tf.Tensor2D;
}

export class TfjsRunner implements Runner {
  readonly notes: string[] = [];
  readonly key: string;
  constructor(readonly backend: 'cpu' | 'wasm') {
    this.key = `tfjs-${backend}`;
  }

  private async use(): Promise<void> {
    if (tf.getBackend() !== this.backend) {
      if (!(await tf.setBackend(this.backend))) throw new Error(`tfjs backend ${this.backend} failed to initialise`);
    }
    await tf.ready();
  }

  async train(kind: NetKind, miniBatch: number, params: Param[], data: BenchData, budget: Budget, costs?: number[]): Promise<number> {
    await this.use();
    const v = toTf(kind, params);
    const opt = tf.train.sgd(ETA);
    const batches = Math.floor(data.nTrain / miniBatch);
    try {
      return await measureRate(budget, miniBatch, (s) => {
        const b = s % batches;
        const cost = tf.tidy(() => {
          const x = tf.tensor2d(data.trainX.subarray(b * miniBatch * 784, (b + 1) * miniBatch * 784), [miniBatch, 784]);
          const y = tf.oneHot(tf.tensor1d(data.trainY.subarray(b * miniBatch, (b + 1) * miniBatch), 'int32'), 10);
          return opt.minimize(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits(kind, v, x)), y), 1))) as tf.Scalar, true, v)!;
        });
        const c = cost.dataSync()[0]!;
        cost.dispose();
        costs?.push(c);
        if (!Number.isFinite(c)) throw new Error(`${this.key}: training cost became ${c}`);
      });
    } finally {
      opt.dispose();
      v.forEach((t) => t.dispose());
    }
  }

  async infer(kind: NetKind, params: Param[], data: BenchData, budget: Budget): Promise<number> {
    await this.use();
    const v = toTf(kind, params);
    const out = new Int32Array(data.nValid);
    try {
      return await measureRate({ ...budget, warmup: 1 }, data.nValid, () => {
        for (let s = 0; s < data.nValid; s += 1000) {
          const e = Math.min(data.nValid, s + 1000);
          const cls = tf.tidy(() => tf.argMax(logits(kind, v, tf.tensor2d(data.validX.subarray(s * 784, e * 784), [e - s, 784])), 1));
          out.set(cls.dataSync() as Int32Array, s);
          cls.dispose();
        }
      });
    } finally {
      v.forEach((t) => t.dispose());
    }
  }

  async sgemm(m: number, k: number, n: number, budget: Budget): Promise<number> {
    await this.use();
    const a = tf.tensor2d(filled(m * k, 1), [m, k]), b = tf.tensor2d(filled(k * n, 2), [k, n]);
    try {
      return (await measureRate(budget, sgemmFlops(m, k, n), () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      })) / 1e9;
    } finally {
      a.dispose();
      b.dispose();
    }
  }
}
