import { lit, list, obj, ref } from './program.js';
import { Draft, type Val } from './draft.js';

/**
 * Networks as users build them: layers whose widths often coincide (same-sized parameters and
 * gradients are where memory plans go wrong), several parameters updated together by SGD or
 * momentum, dropout masks from random streams, and outputs that alias the state being updated.
 */
export function generateMlp(d: Draft): void {
  const { rng } = d;
  // Two widths to draw from, so equal widths are frequent.
  const widths = [rng.int(2, 5), rng.int(2, 5)];
  const width = () => rng.pick(widths);
  const n = rng.int(2, 5);
  const batches = callBatches(d, n);
  const nIn = width();
  const classes = Math.max(2, width());
  const cost = rng.pick(['nll-index-log', 'log-softmax-index', 'xent-labels', 'mse', 'bce'] as const);
  const labels = cost === 'mse' || cost === 'bce' ? null : d.input('y', 'int32', [n], (c) => d.rng.array([batches[c]!], () => d.rng.int(0, classes - 1)));
  const x = d.input('x', d.dtype, [n, nIn], (c) => d.floats([batches[c]!, nIn], -2, 2));
  const targets = labels ? null : d.input('t', d.dtype, [n, classes], (c) => d.floats([batches[c]!, classes], cost === 'bce' ? 0 : -1, 1));
  const srng = rng.chance(0.3) ? d.call('RandomStreams', [rng.int(1, 1000)], [], d.dtype, 'srng') : null;

  const params: Val[] = [];
  let h = x;
  const layers = rng.int(1, 3);
  for (let l = 0; l < layers; l++) {
    const out = l === layers - 1 ? classes : width();
    const W = d.shared('W', [h.shape[1]!, out]);
    params.push(W);
    let z = d.call('dot', [h, W], [n, out]);
    if (rng.chance(0.6)) {
      const b = d.shared('b', [out]);
      params.push(b);
      z = d.call('add', [z, b], z.shape);
    }
    if (l === layers - 1) {
      h = z;
      break;
    }
    h = d.call(rng.pick(['sigmoid', 'tanh', 'relu', 'softplus']), [z], z.shape);
    if (srng && rng.chance(0.6)) {
      const shape = d.call('shapeOf', [h], [2], 'int32');
      const mask = d.method(srng.name, 'binomial', [obj({ size: ref(shape.name), p: lit(0.8), dtype: lit(d.dtype) })], h.shape, d.dtype);
      h = d.call('mul', [h, mask], h.shape);
    }
  }
  const z = h;
  const rows = () => d.call('arange', [d.call('shapeOf', [labels!, 0], [], 'int32')], [n], 'int32');
  let c: Val;
  switch (cost) {
    case 'nll-index-log':
      c = d.call('neg', [d.call('mean', [d.call('log', [d.call('advancedIndex', [d.call('softmax', [z], z.shape), list(ref(rows().name), ref(labels!.name))], [n])], [n])], [])], []);
      break;
    case 'log-softmax-index':
      c = d.call('neg', [d.call('mean', [d.call('advancedIndex', [d.call('logSoftmax', [z], z.shape), list(ref(rows().name), ref(labels!.name))], [n])], [])], []);
      break;
    case 'xent-labels':
      c = d.call('mean', [d.call('softmaxCrossentropyWithLabels', [z, labels!], [n])], []);
      break;
    case 'mse':
      c = d.call('mean', [d.call('square', [d.call('sub', [z, targets!], z.shape)], z.shape)], []);
      break;
    case 'bce':
      c = d.call('mean', [d.call('binaryCrossentropy', [d.call('sigmoid', [z], z.shape), targets!], z.shape)], []);
      break;
  }
  if (rng.chance(0.3)) c = d.call('add', [c, d.call('mul', [d.call('sum', [d.call('square', [params[0]!], params[0]!.shape)], []), rng.uniform(0.001, 0.05)], [])], []);
  d.outputs.push(c.name);
  if (cost !== 'mse' && cost !== 'bce' && rng.chance(0.3)) {
    d.outputs.push((d.dtype === 'float64' && rng.chance(0.5) ? d.call('argmax', [z, 1], [n], 'int32') : d.call('softmax', [z], z.shape)).name);
  }
  train(d, c, params);
}

/** A LeNet-like net as network3's ConvPoolLayer builds it: conv, pooling, a dense softmax layer. */
export function generateConv(d: Draft): void {
  const { rng } = d;
  const n = rng.int(1, 3);
  const batches = callBatches(d, n);
  const channels = rng.int(1, 2);
  const size = rng.int(4, 7);
  const k = rng.int(2, 3);
  const filters = rng.int(1, 3);
  const classes = rng.int(2, 4);
  const padding = rng.pick(['valid', 'same', 'full'] as const);
  const convSize = padding === 'valid' ? size - k + 1 : padding === 'same' ? size : size + k - 1;
  const x = d.input('x', d.dtype, [n, channels, size, size], (c) => d.floats([batches[c]!, channels, size, size], 0, 1));
  const labels = d.input('y', 'int32', [n], (c) => d.rng.array([batches[c]!], () => d.rng.int(0, classes - 1)));
  const w = d.shared('w', [filters, channels, k, k]);
  const params = [w];
  let h = d.call('conv2d', [x, w, obj({ padding: lit(padding) })], [n, filters, convSize, convSize]);
  if (rng.chance(0.6)) {
    const b = d.shared('b', [filters]);
    params.push(b);
    h = d.call('add', [h, d.call('dimshuffle', [b, 'x', 0, 'x', 'x'], [1, filters, 1, 1])], h.shape);
  }
  h = d.call(rng.pick(['sigmoid', 'tanh', 'relu']), [h], h.shape);
  const pool = rng.pick(['maxPool2d', 'avgPool2d']);
  const ignoreBorder = rng.chance(0.5);
  const pooled = ignoreBorder ? Math.floor(convSize / 2) : Math.ceil(convSize / 2);
  h = d.call(pool, [h, obj({ window: lit([2, 2]), ignoreBorder: lit(ignoreBorder) })], [n, filters, pooled, pooled]);
  const features = filters * pooled * pooled;
  h = d.call('flatten', [h, 2], [n, features]);
  const W = d.shared('W', [features, classes]);
  params.push(W);
  const z = d.call('dot', [h, W], [n, classes]);
  const rows = d.call('arange', [d.call('shapeOf', [labels, 0], [], 'int32')], [n], 'int32');
  const c = d.call('neg', [d.call('mean', [d.call('log', [d.call('advancedIndex', [d.call('softmax', [z], z.shape), list(ref(rows.name), ref(labels.name))], [n])], [n])], [])], []);
  d.outputs.push(c.name);
  train(d, c, params);
}

/**
 * The updates of a training step, and outputs that read the state being updated: a parameter's
 * old value, its update expression itself, a gradient.
 */
function train(d: Draft, cost: Val, params: Val[]): void {
  const { rng } = d;
  const lr = rng.uniform(0.05, 0.5);
  const grads = d.grad(cost, params);
  const rule = rng.pick(['sgd', 'sgd', 'momentum', 'subset'] as const);
  const news: Val[] = [];
  params.forEach((p, k) => {
    if (rule === 'subset' && k > 0 && rng.chance(0.4)) return;
    let next: Val;
    if (rule === 'momentum') {
      const v = d.shared('vel', p.shape, zeros(p.shape));
      const vNext = d.call('sub', [d.call('mul', [v, 0.9], p.shape), d.call('mul', [grads[k]!, lr], p.shape)], p.shape);
      d.updates.push([v.name, vNext.name]);
      next = d.call('add', [p, vNext], p.shape);
    } else next = d.call('sub', [p, d.call('mul', [grads[k]!, lr], p.shape)], p.shape);
    d.updates.push([p.name, next.name]);
    news.push(next);
  });
  if (rng.chance(0.3)) d.outputs.push(rng.pick(params).name);
  if (news.length && rng.chance(0.3)) d.outputs.push(rng.pick(news).name);
  if (rng.chance(0.2)) d.outputs.push(rng.pick(grads).name);
}

/** The batch size of each call: mostly the first, sometimes another (a new plan), then back. */
function callBatches(d: Draft, n: number): number[] {
  const calls = (d.calls = d.rng.int(3, 4));
  const batches = new Array<number>(calls).fill(n);
  if (d.rng.chance(0.25)) batches[d.rng.int(1, calls - 2)] = n + 1;
  return batches;
}

function zeros(shape: readonly number[]): unknown {
  return shape.length ? Array.from({ length: shape[0]! }, () => zeros(shape.slice(1))) : 0;
}
