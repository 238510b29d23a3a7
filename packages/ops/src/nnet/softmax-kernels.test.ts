import { describe, expect, it } from 'vitest';
import { NDArray, linearize, mulberry32, runProgramJS, tensor, type Apply, type DType, type LStmt } from '@hypatia/core';
import { Softmax } from './softmax.js';
import { LogSoftmax } from './log-softmax.js';
import { softmaxGrad } from './softmax-grad.js';
import { SoftmaxCrossentropyWithLabels } from './softmax-crossentropy.js';
import { softmaxCrossentropyGrad } from './softmax-crossentropy-grad.js';
import { CategoricalCrossentropyWithLabels } from './categorical-crossentropy.js';
import { categoricalCrossentropyGrad } from './categorical-crossentropy-grad.js';

/**
 * The softmax family's and the label losses' kernels (JavaScript printer) against their
 * `perform`, bit for bit, on rows holding NaN, infinities, huge logits and empty axes; labels
 * negative, out of range or too few give perform's error.
 */

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30, 88.7, -104];

function values(dtype: DType, shape: readonly number[], seed: number, specials = true, lo = -3, hi = 3): NDArray {
  const a = NDArray.zeros(dtype, shape);
  const r = mulberry32(seed);
  for (let i = 0; i < a.size; i++) a.data[i] = specials && r() < 0.25 ? SPECIALS[Math.floor(r() * SPECIALS.length)]! : lo + r() * (hi - lo);
  return a;
}

const labels = (n: number, k: number, seed: number) => arr('int32', [n], Array.from({ length: n }, (_, i) => (Math.floor(mulberry32(seed + i)() * 2 * k) - k)));

function arr(dtype: DType, shape: readonly number[], data: readonly number[]): NDArray {
  const a = NDArray.zeros(dtype, shape);
  a.data.set(data);
  return a;
}

function sameBits(want: NDArray, got: NDArray): string | null {
  if (want.dtype !== got.dtype || want.shape.join() !== got.shape.join()) return `got ${got.dtype}[${got.shape}], expected ${want.dtype}[${want.shape}]`;
  for (let i = 0; i < want.size; i++) if (!Object.is(want.data[i], got.data[i])) return `element ${i} is ${got.data[i]}, expected ${want.data[i]}`;
  return null;
}

/** perform and the kernels on the same node: equal bits, or the same error. */
function agree(node: Apply, ins: readonly NDArray[]): void {
  let want: NDArray[] | Error;
  try { want = node.op.perform(ins, node); } catch (e) { want = e as Error; }
  const program = node.op.kernels!(node)!;
  if (want instanceof Error) {
    expect(() => runProgramJS(node, program, ins), `${node.op}`).toThrow(want.message);
    return;
  }
  expect(sameBits(want[0]!, runProgramJS(node, program, ins)[0]!), `${node.op} on ${ins.map((a) => `${a.dtype}[${a.shape}]`)}`).toBeNull();
}

const unknown = (dtype: DType, rank: number, name: string) => tensor(dtype, Array.from({ length: rank }, () => null), name);
const DTYPES: DType[] = ['float32', 'float64'];
const SHAPES = [[3, 5], [2, 3, 4], [6, 1], [7], [0, 3], [3, 0], [40, 10]];

describe('softmax-family kernels agree with perform bit for bit', () => {
  it('softmax and log_softmax over the last axis', () => {
    let seed = 1;
    for (const dtype of DTYPES) for (const shape of SHAPES) for (const op of [new Softmax(), new LogSoftmax()]) {
      agree(op.call(unknown(dtype, shape.length, 'x')).owner!, [values(dtype, shape, seed++)]);
      agree(op.call(unknown(dtype, shape.length, 'x')).owner!, [values(dtype, shape, seed++, false, -200, 200)]);
    }
  });

  it('a row of -Infinity, a row with NaN beside +Infinity, and a row of NaN', () => {
    const x = arr('float32', [3, 3], [-Infinity, -Infinity, -Infinity, NaN, Infinity, 1, NaN, NaN, NaN]);
    for (const op of [new Softmax(), new LogSoftmax()]) agree(op.call(unknown('float32', 2, 'x')).owner!, [x]);
  });

  it('softmax_grad, and its check that dy and y have as many elements', () => {
    let seed = 1;
    for (const dtype of DTYPES) for (const shape of SHAPES) {
      const node = softmaxGrad(unknown(dtype, shape.length, 'dy'), unknown(dtype, shape.length, 'y')).owner!;
      agree(node, [values(dtype, shape, seed++), values(dtype, shape, seed++, false, 0, 1)]);
    }
    const node = softmaxGrad(unknown('float32', 2, 'dy'), unknown('float32', 2, 'y')).owner!;
    agree(node, [values('float32', [2, 3], 1), values('float32', [3, 3], 2)]);
  });

  it('computes a row\'s max, sum and scale once a row, not once an element', () => {
    for (const op of [new Softmax(), new LogSoftmax()]) {
      const node = op.call(unknown('float32', 2, 'x')).owner!;
      const rowLoop = linearize(node.op.kernels!(node)!.kernels[0]!, { spaceLoops: true }).body.find((s) => s.k === 'for')!;
      const body = (rowLoop as Extract<LStmt, { k: 'for' }>).body;
      const colLoop = body.find((s) => s.k === 'for' && s.axis === 1) as Extract<LStmt, { k: 'for' }>;
      // Inside the element loop: no loop (no reduction) at all.
      expect(JSON.stringify(colLoop.body)).not.toContain('"k":"for"');
    }
  });
});

describe('label-loss kernels agree with perform bit for bit', () => {
  const losses = [
    { name: 'softmax_crossentropy_with_labels', build: (z: ReturnType<typeof unknown>, y: ReturnType<typeof unknown>) => new SoftmaxCrossentropyWithLabels().call(z, y) },
    { name: 'categorical_crossentropy_with_labels', build: (z: ReturnType<typeof unknown>, y: ReturnType<typeof unknown>) => new CategoricalCrossentropyWithLabels().call(z, y) },
  ];
  const grads = [
    { name: 'softmax_crossentropy_grad', build: softmaxCrossentropyGrad },
    { name: 'categorical_crossentropy_grad', build: categoricalCrossentropyGrad },
  ];
  const shapes: [number, number][] = [[4, 5], [6, 1], [0, 3], [8, 10]];

  for (const { name, build } of losses) {
    it(`${name}: negative labels, special values, no rows; bad labels and counts refused as perform refuses them`, () => {
      let seed = 1;
      for (const dtype of DTYPES) for (const [n, k] of shapes) {
        const node = build(unknown(dtype, 2, 'z'), unknown('int32', 1, 'y')).owner!;
        const lo = name.startsWith('categorical') ? 0 : -3;
        agree(node, [values(dtype, [n, k], seed++, true, lo, 3), labels(n, k, seed++)]);
      }
      const node = build(unknown('float32', 2, 'z'), unknown('int32', 1, 'y')).owner!;
      agree(node, [values('float32', [2, 3], 1), arr('int32', [2], [0, 3])]);
      agree(node, [values('float32', [2, 3], 1), arr('int32', [2], [-4, 0])]);
      agree(node, [values('float32', [2, 3], 1), arr('int32', [3], [0, 1, 2])]);
      agree(node, [values('float32', [2, 0], 1), arr('int32', [2], [0, 0])]);
    });
  }

  for (const { name, build } of grads) {
    it(`${name}: negative labels, special values, no rows; bad labels and counts refused as perform refuses them`, () => {
      let seed = 1;
      for (const dtype of DTYPES) for (const [n, k] of shapes) {
        const node = build(unknown(dtype, 1, 'g'), unknown(dtype, 2, 'z'), unknown('int32', 1, 'y')).owner!;
        agree(node, [values(dtype, [n], seed++), values(dtype, [n, k], seed++, true, 0, 3), labels(n, k, seed++)]);
      }
      const node = build(unknown('float64', 1, 'g'), unknown('float64', 2, 'z'), unknown('int32', 1, 'y')).owner!;
      agree(node, [values('float64', [2], 1), values('float64', [2, 3], 1), arr('int32', [2], [2, 3])]);
      agree(node, [values('float64', [2], 1), values('float64', [2, 0], 1), arr('int32', [2], [0, 0])]);
      agree(node, [values('float64', [3], 1), values('float64', [2, 3], 1), arr('int32', [2], [0, 1])]);
      agree(node, [values('float64', [2], 1), values('float64', [2, 3], 1), arr('int32', [1], [0])]);
    });
  }
});
