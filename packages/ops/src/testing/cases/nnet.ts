import { NDArray, grad, tensor, type DType, type Variable } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import { EDGES, randomArray, withEdges } from './elementwise.js';
import { log, mul, neg, sigmoid } from '../../elementwise/arithmetic.js';
import { sum } from '../../reduce/sum.js';
import { mean } from '../../reduce/mean.js';
import { arange } from '../../creation/arange.js';
import { shapeOf } from '../../creation/shape-of.js';
import { advancedIndex } from '../../indexing/advanced-subtensor.js';
import { softmax } from '../../nnet/softmax.js';
import { logSoftmax } from '../../nnet/log-softmax.js';
import { softmaxCrossentropyWithLabels } from '../../nnet/softmax-crossentropy.js';
import { categoricalCrossentropy } from '../../nnet/categorical-crossentropy.js';
import { binaryCrossentropy } from '../../nnet/binary-crossentropy.js';
import { conv2d } from '../../nnet/conv2d.js';
import type { Conv2dOptions } from '../../nnet/conv-geometry.js';
import { maxPool2d } from '../../nnet/max-pool2d.js';
import type { Pool2dOptions } from '../../nnet/pool-geometry.js';
import { avgPool2d, type AvgPool2dOptions } from '../../nnet/avg-pool2d.js';
import { oneHot } from '../../nnet/one-hot.js';

const labels = (n: number, k: number, seed: number) => randomArray([n], 'int32', seed, 0, k);

/** `f(x)` and the gradient of a random projection of it, so each row also runs the gradient ops. */
function withGrad(x: Variable, y: Variable): Variable[] {
  const proj = randomArray(y.shape.map((d) => d ?? 1) as number[], y.dtype, 99);
  const projected = y.shape.every((d) => d !== null) ? mul(y, proj as never) : y;
  return [y, grad(sum(projected), x)];
}

const rowwise = (name: string, f: (x: Variable) => Variable): OpCase => ({
  name: `${name}/[3,5]`,
  build: () => { const x = tensor('float32', [3, 5], 'x'); return { inputs: [x], outputs: withGrad(x, f(x)) }; },
  args: () => [randomArray([3, 5], 'float32', 41, -4, 4)],
});

const conv = (name: string, opts: Conv2dOptions, xs: number[], ws: number[], dtype: DType = 'float32'): OpCase => ({
  name: `conv2d/${name}/[${xs}]x[${ws}]${dtype === 'float32' ? '' : `/${dtype}`}`,
  build: () => {
    const x = tensor(dtype, xs, 'x'); const w = tensor(dtype, ws, 'w');
    const y = conv2d(x, w, opts);
    const proj = randomArray(y.shape as number[], dtype, 98);
    const [gx, gw] = grad(sum(mul(y, proj as never)), [x, w]);
    return { inputs: [x, w], outputs: [y, gx!, gw!] };
  },
  args: () => [randomArray(xs, dtype, 42), randomArray(ws, dtype, 43)],
  rtol: 1e-3,
  skip: skipFloat64(dtype),
});

/** `edges` makes x few distinct values (ties) with NaNs and -0 in front. */
const pool = (name: string, f: (x: Variable) => Variable, dtype: DType = 'float32', edges = false): OpCase => ({
  name: `${name}/[2,3,5,7]${dtype === 'float32' ? '' : `/${dtype}`}`,
  build: () => { const x = tensor(dtype, [2, 3, 5, 7], 'x'); return { inputs: [x], outputs: withGrad(x, f(x)) }; },
  args: () => {
    const x = randomArray([2, 3, 5, 7], dtype, 44);
    if (!edges) return [x];
    x.data.forEach((v, i) => { x.data[i] = Math.round(v); });
    return [withEdges(x, [NaN, 1, -0, 0, 0, NaN, 2, 2, NaN, 0, 0, 0, 0, 0, -1, NaN])];
  },
  skip: skipFloat64(dtype),
});

/**
 * A Hessian-vector product through max pooling: the gradient of max_pool2d_grad in its pooled
 * gradient is max_pool2d_grad_grad. x has ties (rounded values), which the first-maximum rule decides.
 */
const maxPoolSecondOrder = (name: string, opts: Pool2dOptions): OpCase => ({
  name: `max_pool2d_grad_grad/${name}/[2,3,5,7]`,
  build: () => {
    const x = tensor('float32', [2, 3, 5, 7], 'x'); const h = tensor('float32', [2, 3, 5, 7], 'h');
    const y = maxPool2d(x, opts);
    const gy = tensor('float32', y.shape, 'gy');
    const gx = grad(sum(mul(y, gy)), x);
    return { inputs: [x, gy, h], outputs: [gx, grad(sum(mul(gx, h)), gy)] };
  },
  args: () => {
    const x = randomArray([2, 3, 5, 7], 'float32', 60);
    x.data.forEach((v, i) => { x.data[i] = Math.round(v * 2) / 2; });
    const y = maxPool2d(tensor('float32', [2, 3, 5, 7]), opts);
    return [x, randomArray(y.shape as number[], 'float32', 61), randomArray([2, 3, 5, 7], 'float32', 62)];
  },
});

/** The nnet family's entries in the shared op table. */
export const nnetCases: OpCase[] = [
  rowwise('softmax', softmax),
  rowwise('log_softmax', logSoftmax),
  rowwise('softmax/then-log', (x) => log(softmax(x))),
  {
    name: 'softmax/saturated',
    build: () => { const x = tensor('float32', [null, null], 'x'); return { inputs: [x], outputs: [softmax(x), logSoftmax(x)] }; },
    args: () => [NDArray.from([[1000, -1000, 0], [-1000, 0, 1000]], 'float32')],
  },
  {
    // Rank 3 (rows over the leading axes), a row holding NaN beside infinities, and float64.
    name: 'softmax/edges/[2,3,4]/float64',
    build: () => { const x = tensor('float64', [null, null, null], 'x'); return { inputs: [x], outputs: [softmax(x), logSoftmax(x)] }; },
    args: () => [withEdges(randomArray([2, 3, 4], 'float64', 56, -4, 4), [Infinity, NaN, -Infinity, 0, -Infinity, -Infinity, -Infinity, -Infinity, ...EDGES])],
    skip: skipFloat64('float64'),
  },
  {
    // Negative labels count from the end; the gradient is softmax_crossentropy_grad.
    name: 'softmax_crossentropy_with_labels/negative-labels/float64',
    build: () => {
      const z = tensor('float64', [null, null], 'z'); const y = tensor('int32', [null], 'y');
      const loss = softmaxCrossentropyWithLabels(z, y);
      return { inputs: [z, y], outputs: [loss, grad(sum(mul(loss, randomArray([5], 'float64', 57) as never)), z)] };
    },
    args: () => [randomArray([5, 4], 'float64', 58, -3, 3), NDArray.from([-1, 3, -4, 0, 2], 'int32')],
    skip: skipFloat64('float64'),
  },
  {
    name: 'categorical_crossentropy/negative-labels',
    build: () => {
      const p = tensor('float32', [null, null], 'p'); const y = tensor('int32', [null], 'y');
      const loss = categoricalCrossentropy(p, y);
      return { inputs: [p, y], outputs: [loss, grad(sum(mul(loss, randomArray([5], 'float32', 59) as never)), p)] };
    },
    args: () => [randomArray([5, 4], 'float32', 60, 0.05, 1), NDArray.from([-1, 3, -4, 0, 2], 'int32')],
  },
  {
    name: 'softmax_crossentropy_with_labels/[4,3]',
    build: () => {
      const z = tensor('float32', [4, 3], 'z'); const y = tensor('int32', [4], 'y');
      return { inputs: [z, y], outputs: withGrad(z, softmaxCrossentropyWithLabels(z, y)) };
    },
    args: () => [randomArray([4, 3], 'float32', 45, -3, 3), labels(4, 3, 46)],
  },
  {
    name: 'categorical_crossentropy/labels-and-one-hot',
    build: () => {
      const p = tensor('float32', [4, 3], 'p'); const y = tensor('int32', [4], 'y'); const t = tensor('float32', [4, 3], 't');
      const cost = sum(categoricalCrossentropy(p, y));
      return { inputs: [p, y, t], outputs: [cost, grad(cost, p), categoricalCrossentropy(p, t)] };
    },
    args: () => [randomArray([4, 3], 'float32', 47, 0.1, 1), labels(4, 3, 48), randomArray([4, 3], 'float32', 49, 0, 1)],
  },
  {
    name: 'categorical_crossentropy(softmax)',
    build: () => {
      const z = tensor('float32', [4, 3], 'z'); const y = tensor('int32', [4], 'y');
      const cost = sum(categoricalCrossentropy(softmax(z), y));
      return { inputs: [z, y], outputs: [cost, grad(cost, z)] };
    },
    args: () => [randomArray([4, 3], 'float32', 50, -3, 3), labels(4, 3, 51)],
  },
  {
    name: 'binary_crossentropy(sigmoid)',
    build: () => {
      const x = tensor('float32', [6], 'x'); const t = tensor('float32', [6], 't');
      const cost = sum(binaryCrossentropy(sigmoid(x), t));
      return { inputs: [x, t], outputs: [cost, grad(cost, x)] };
    },
    args: () => [randomArray([6], 'float32', 52, -6, 6), randomArray([6], 'float32', 53, 0, 1)],
  },
  {
    name: 'network3 log-likelihood cost',
    build: () => {
      const z = tensor('float32', [null, 10], 'z'); const y = tensor('int32', [null], 'y');
      const cost = neg(mean(advancedIndex(log(softmax(z)), [arange(shapeOf(y, 0)), y])));
      return { inputs: [z, y], outputs: [cost, grad(cost, z)] };
    },
    args: () => [randomArray([5, 10], 'float32', 54, -3, 3), labels(5, 10, 55)],
  },
  conv('valid', {}, [2, 3, 6, 5], [4, 3, 3, 2]),
  conv('same-stride2', { padding: 'same', stride: [2, 2] }, [2, 2, 7, 6], [3, 2, 3, 3]),
  conv('full', { padding: 'full' }, [1, 2, 4, 4], [2, 2, 2, 3]),
  conv('network3-layer1', {}, [2, 1, 12, 12], [4, 1, 5, 5]),
  conv('padded-stride-past-kernel', { padding: [2, 1], stride: [3, 2] }, [2, 3, 9, 8], [2, 3, 4, 3], 'float64'),
  conv('empty-batch', {}, [0, 2, 6, 5], [3, 2, 3, 3]),
  pool('max_pool2d/2x2', (x) => maxPool2d(x, { window: [2, 2] })),
  pool('max_pool2d/border-kept', (x) => maxPool2d(x, { window: [2, 3], ignoreBorder: false })),
  pool('max_pool2d/padded-overlap', (x) => maxPool2d(x, { window: [3, 3], stride: [2, 2], padding: [1, 1] })),
  pool('max_pool2d/nans-ties-overlap', (x) => maxPool2d(x, { window: [2, 3], stride: [1, 2] }), 'float32', true),
  pool('max_pool2d/nans-ties-border-kept', (x) => maxPool2d(x, { window: [3, 2], ignoreBorder: false }), 'float64', true),
  maxPoolSecondOrder('2x2', { window: [2, 2] }),
  maxPoolSecondOrder('padded-overlap', { window: [3, 3], stride: [2, 2], padding: [1, 1] }),
  pool('avg_pool2d/2x2', (x) => avgPool2d(x, { window: [2, 2] })),
  pool('avg_pool2d/padded-include-pad', (x) => avgPool2d(x, { window: [3, 3], stride: [2, 1], padding: [1, 1], includePad: true } as AvgPool2dOptions)),
  pool('avg_pool2d/border-kept-overlap', (x) => avgPool2d(x, { window: [3, 2], stride: [1, 2], ignoreBorder: false })),
  pool('avg_pool2d/padded-overlap', (x) => avgPool2d(x, { window: [3, 3], stride: [1, 2], padding: [2, 1] }), 'float64'),
  {
    name: 'one_hot/negative-labels-dtypes-and-loss',
    build: () => {
      const y = tensor('int32', [null], 'y'); const yy = tensor('int32', [null, null], 'yy'); const p = tensor('float32', [null, null], 'p');
      const cost = neg(sum(mul(log(p), oneHot(y, 4))));
      return { inputs: [y, yy, p], outputs: [oneHot(y, 4), oneHot(yy, 3, 'int32'), oneHot(yy, 3, 'bool'), cost, grad(cost, p)] };
    },
    args: () => [NDArray.from([3, 0, -1, -4, 2], 'int32'), NDArray.from([[2, -3], [1, 0]], 'int32'), randomArray([5, 4], 'float32', 65, 0.1, 1)],
  },
  {
    name: 'one_hot/float64-empty',
    build: () => { const y = tensor('int32', [null], 'y'); return { inputs: [y], outputs: [oneHot(y, 2, 'float64')] }; },
    args: () => [NDArray.zeros('int32', [0])],
    skip: skipFloat64('float64'),
  },
];
