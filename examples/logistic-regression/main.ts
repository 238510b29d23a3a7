// Softmax (multinomial logistic) regression on MNIST, written directly against the symbolic API as
// in Theano's tutorial: a compiled training step that selects its mini-batch through givens and
// updates the shared parameters. `pnpm logreg [-- --epochs 5 --backend cpu]`
import { parseArgs } from 'node:util';
import '@hypatia/backends';
import { compile, grad, iscalar, ivector, matrix, NDArray, shared } from '@hypatia/core';
import { add, advancedIndex, arange, argmax, castTo, dot, eq, logSoftmax, mean, mul, neg, shapeOf, sliceAxis, sub } from '@hypatia/ops';
import { loadMnist } from '@hypatia/nn/node';

export interface LogRegOptions {
  epochs: number;
  miniBatchSize: number;
  /** Initial learning rate; it is multiplied by `decay` after each epoch. */
  eta: number;
  decay: number;
  backend: string;
  limit?: number;
  log?: (s: string) => void;
}

export async function trainLogisticRegression(opts: LogRegOptions) {
  const { training, validation, test } = loadMnist({ limit: opts.limit });
  const log = opts.log ?? (() => {});

  const x = matrix('x');
  const y = ivector('y');
  const W = shared(NDArray.zeros('float32', [784, 10]), 'W');
  const b = shared(NDArray.zeros('float32', [10]), 'b');
  const logp = logSoftmax(add(dot(x, W), b));
  // Negative log-likelihood of the right classes: logp[arange(n), y].
  const cost = neg(mean(advancedIndex(logp, [arange(shapeOf(y, 0)), y])));
  const accuracy = mean(castTo(eq(argmax(logp, 1), y), 'float32'));
  const [gW, gb] = grad(cost, [W, b]);
  // The learning rate is a shared scalar, so the compiled step need not change when it decays.
  const eta = shared(NDArray.from(opts.eta, 'float32'), 'eta');

  const data = { trainX: shared(training.x, 'trainX'), trainY: shared(training.y, 'trainY') };
  const i = iscalar('i');
  const mb = opts.miniBatchSize;
  const trainStep = await compile({
    name: 'train_step', inputs: [i], outputs: cost, backend: opts.backend,
    updates: [[W, sub(W, mul(eta, gW!))], [b, sub(b, mul(eta, gb!))]],
    givens: [[x, sliceAxis(data.trainX, 0, mul(i, mb), mul(add(i, 1), mb))], [y, sliceAxis(data.trainY, 0, mul(i, mb), mul(add(i, 1), mb))]],
  });
  const evaluate = await compile({ name: 'accuracy', inputs: [x, y], outputs: accuracy, backend: opts.backend });

  const nBatches = Math.floor(training.y.size / mb);
  let validationAccuracy = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    let total = 0;
    for (let k = 0; k < nBatches; k++) total += (await trainStep(k)).item();
    validationAccuracy = (await evaluate(validation.x, validation.y)).item();
    eta.set(NDArray.from(eta.get().item() * opts.decay, 'float32'));
    log(`epoch ${epoch}: mean cost ${(total / nBatches).toFixed(4)}, validation accuracy ${(validationAccuracy * 100).toFixed(2)}%`);
  }
  const testAccuracy = (await evaluate(test.x, test.y)).item();
  return { validationAccuracy, testAccuracy };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a, k) => !(k === 0 && a === '--')),
    options: { epochs: { type: 'string', default: '5' }, backend: { type: 'string', default: 'cpu' }, eta: { type: 'string', default: '0.5' }, decay: { type: 'string', default: '0.5' }, 'mini-batch': { type: 'string', default: '20' }, limit: { type: 'string' } },
  });
  const t0 = performance.now();
  const r = await trainLogisticRegression({
    epochs: Number(values.epochs), eta: Number(values.eta), decay: Number(values.decay), miniBatchSize: Number(values['mini-batch']), backend: values.backend!,
    limit: values.limit === undefined ? undefined : Number(values.limit), log: console.log,
  });
  console.log(`test accuracy ${(r.testAccuracy * 100).toFixed(2)}% after ${values.epochs} epochs (${((performance.now() - t0) / 1000).toFixed(1)} s, backend ${values.backend})`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
