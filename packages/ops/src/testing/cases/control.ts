import { NDArray, grad, iscalar, scalar, tensor } from '@hypatia/core';
import { type OpCase } from '../op-case.js';
import { randomArray } from './elementwise.js';
import { add, gt, mul, sub, tanh } from '../../elementwise/arithmetic.js';
import { dot } from '../../linalg/dot.js';
import { sum } from '../../reduce/sum.js';
import { subtensor } from '../../shape/subtensor.js';
import { RandomStreams } from '../../random/streams.js';
import { scan } from '../../control/scan.js';
import { ifelse } from '../../control/ifelse.js';
import { hessian, jacobian } from '../../control/jacobian.js';

/**
 * Loops and conditionals in the shared op table: each backend runs a Scan's body and an IfElse's
 * branches as it runs any node, so these rows check the inner graphs' ops and the rows a loop
 * moves (sequences, taps, rings, the stop condition, the direction) against the reference.
 */
export const controlCases: OpCase[] = [
  {
    name: 'scan/rnn-sequence-feedback-and-plain-output',
    build: () => {
      const xs = tensor('float32', [null, 3], 'xs');
      const h0 = tensor('float32', [4], 'h0');
      const W = tensor('float32', [3, 4], 'W');
      const U = tensor('float32', [4, 4], 'U');
      // h feeds back; s (each step's sum) does not.
      const [[hs, ss]] = scan({
        fn: (x, h, w, u) => { const hNew = tanh(add(dot(x, w), dot(h, u))); return [hNew, sum(hNew)]; },
        sequences: xs, outputsInfo: [h0, null], nonSequences: [W, U],
      });
      return { inputs: [xs, h0, W, U], outputs: [hs!, ss!] };
    },
    args: () => [randomArray([5, 3], 'float32', 301, -1, 1), randomArray([4], 'float32', 302, -1, 1), randomArray([3, 4], 'float32', 303, -1, 1), randomArray([4, 4], 'float32', 304, -1, 1)],
  },
  {
    name: 'scan/taps-2-1-sequence-taps-nonsequence',
    build: () => {
      const xs = tensor('float32', [null], 'xs');
      const init = tensor('float32', [2, 2], 'init');
      const a = scalar('a');
      // y[t] = a * y[t-2] + y[t-1] * xs[t-1] + xs[t+1]: two output taps, two sequence taps.
      const [ys] = scan({
        fn: (prev, next, y2, y1, scale) => add(add(mul(scale, y2), mul(y1, prev)), next),
        sequences: { input: xs, taps: [-1, 1] }, outputsInfo: { initial: init, taps: [-2, -1] }, nonSequences: a,
      });
      return { inputs: [xs, init, a], outputs: [ys] };
    },
    args: () => [randomArray([7], 'float32', 311, -1, 1), randomArray([2, 2], 'float32', 312, -1, 1), NDArray.from(0.5, 'float32')],
  },
  {
    name: 'scan/until-stops-early-and-final-value',
    build: () => {
      const x0 = scalar('x0');
      const limit = scalar('limit');
      const [xs] = scan({ fn: (x) => { const y = mul(x, 2); return { outputs: y, until: gt(y, limit) }; }, outputsInfo: x0, nSteps: 30 });
      // The whole history (as long as the steps run) and only its last value (a ring the stop decides).
      return { inputs: [x0, limit], outputs: [xs, subtensor(xs, [-1])] };
    },
    args: () => [NDArray.from(1.5, 'float32'), NDArray.from(40, 'float32')],
  },
  {
    name: 'scan/go-backwards-int32',
    build: () => {
      const xs = tensor('int32', [null, 2], 'xs');
      const acc0 = tensor('int32', [2], 'acc0');
      const [ys] = scan({ fn: (x, acc) => add(mul(acc, 3), x), sequences: xs, outputsInfo: acc0, goBackwards: true });
      return { inputs: [xs, acc0], outputs: [ys] };
    },
    args: () => [randomArray([6, 2], 'int32', 321, -50, 50), NDArray.from([1, -2], 'int32')],
  },
  {
    name: 'scan/grad-bptt-and-truncated',
    build: () => {
      const xs = tensor('float32', [null, 2], 'xs');
      const h0 = tensor('float32', [3], 'h0');
      const W = tensor('float32', [2, 3], 'W');
      const U = tensor('float32', [3, 3], 'U');
      const rnn = (truncateGradient?: number) => scan({
        fn: (x, h) => tanh(add(dot(x, W), dot(h, U))), sequences: xs, outputsInfo: h0, ...(truncateGradient ? { truncateGradient } : {}),
      })[0];
      const full = rnn();
      // The gradient is another scan, run backwards over the steps.
      return { inputs: [xs, h0, W, U], outputs: [full, ...grad(sum(full), [W, U, h0, xs]), ...grad(sum(rnn(2)), [W, U])] };
    },
    args: () => [randomArray([4, 2], 'float32', 331, -1, 1), randomArray([3], 'float32', 332, -1, 1), randomArray([2, 3], 'float32', 333, -1, 1), randomArray([3, 3], 'float32', 334, -1, 1)],
  },
  {
    name: 'scan/random-stream-inside',
    build: () => {
      const rs = new RandomStreams(31);
      const n = iscalar('n');
      const acc0 = tensor('float32', [3], 'acc0');
      // Each step draws afresh; the state advances by the whole loop.
      const [draws] = scan({ fn: (acc) => add(acc, rs.uniform({ size: [3] })), outputsInfo: acc0, nSteps: n });
      return { inputs: [acc0, n], outputs: [draws] };
    },
    args: () => [NDArray.from([0, 1, -1], 'float32'), NDArray.from(4, 'int32')],
  },
  {
    name: 'ifelse/then-and-else-taken',
    build: () => {
      const c = scalar('c', 'bool');
      const k = scalar('k');
      const x = tensor('float32', [null], 'x');
      // One conditional takes its then branch, the other (a float condition) its else branch.
      const a = ifelse(c, tanh(mul(x, 3)), sub(x, 1));
      const [b, d] = ifelse(k, [sum(x), mul(x, x)], [sum(mul(x, 2)), add(x, x)]);
      return { inputs: [c, k, x], outputs: [a, b!, d!] };
    },
    args: () => [NDArray.from(true, 'bool'), NDArray.from(0, 'float32'), randomArray([5], 'float32', 341, -1, 1)],
  },
  {
    name: 'jacobian-hessian/tanh-and-cubic',
    build: () => {
      const x = tensor('float32', [null], 'x');
      const W = tensor('float32', [3, 3], 'W');
      const y = tanh(dot(W, x));
      return { inputs: [x, W], outputs: [jacobian(y, x), hessian(sum(mul(mul(x, x), y)), x)] };
    },
    args: () => [randomArray([3], 'float32', 351, -1, 1), randomArray([3, 3], 'float32', 352, -1, 1)],
    skip: { webgpu: "jacobian's step writes row t of a one-hot (inc_subtensor at the loop's counter), a bound WebGPU plans read on the host, while a scan's sequence rows live on the GPU" },
  },
];
