import { describe, expect, it } from 'vitest';
import { NDArray, Constant, evaluate, dmatrix, dvector, ivector, imatrix, matrix, verifyGrad } from '@hypatia/core';
import { softmax, softmaxCrossentropyWithLabels, categoricalCrossentropy, binaryCrossentropy, sigmoid } from '@hypatia/ops';
import { randomArray } from '../testing/cases/elementwise.js';
import { softmaxCrossentropyGrad } from './softmax-crossentropy-grad.js';
import { categoricalCrossentropyGrad } from './categorical-crossentropy-grad.js';

const labels = (...ys: number[]) => new Constant(NDArray.from(ys, 'int32'));

describe('softmaxCrossentropyWithLabels', () => {
  it('equals -log(softmax(z))[i, y_i]', () => {
    const z = dmatrix('z');
    const zv = randomArray([3, 4], 'float64', 11);
    const [loss, p] = evaluate([softmaxCrossentropyWithLabels(z, labels(0, 3, 1)), softmax(z)], new Map([[z, zv]]));
    [0, 3, 1].forEach((y, i) => expect(loss!.data[i]).toBeCloseTo(-Math.log(p!.data[i * 4 + y]!), 12));
  });
  it('is finite for saturated logits', () => {
    const z = matrix('z');
    const [loss] = evaluate([softmaxCrossentropyWithLabels(z, labels(1, 0))], new Map([[z, NDArray.from([[1000, -1000], [1000, -1000]], 'float32')]]));
    expect(Array.from(loss!.data)).toEqual([2000, 0]);
  });
  it('has a correct gradient (softmax(z) - onehot(y))', () => {
    verifyGrad((z) => softmaxCrossentropyWithLabels(z, labels(2, 0, 1)), [randomArray([3, 3], 'float64', 12)]);
  });
  it('the gradient ops have correct gradients (second order)', () => {
    verifyGrad((g, z) => softmaxCrossentropyGrad(g, z, labels(2, 0, 1)), [randomArray([3], 'float64', 19), randomArray([3, 3], 'float64', 20)]);
    verifyGrad((g, p) => categoricalCrossentropyGrad(g, p, labels(2, 0, 1)), [randomArray([3], 'float64', 21), randomArray([3, 3], 'float64', 22, 0.2, 1)]);
  });
  it('reads negative labels from the end, as advancedIndex does', () => {
    const z = dmatrix('z');
    const zv = randomArray([2, 3], 'float64', 18);
    const [a, b] = evaluate([softmaxCrossentropyWithLabels(z, labels(-1, -3)), softmaxCrossentropyWithLabels(z, labels(2, 0))], new Map([[z, zv]]));
    expect(Array.from(a!.data)).toEqual(Array.from(b!.data));
    expect(() => evaluate([softmaxCrossentropyWithLabels(z, labels(-4, 0))], new Map([[z, zv]]))).toThrow(/label -4 at row 0 is out of range/);
  });
  it('rejects bad shapes, dtypes and labels, naming the op', () => {
    expect(() => softmaxCrossentropyWithLabels(dvector('z'), ivector('y'))).toThrow(/softmax_crossentropy_with_labels.*matrix/);
    expect(() => softmaxCrossentropyWithLabels(dmatrix('z'), dvector('y'))).toThrow(/softmax_crossentropy_with_labels.*int32/);
    expect(() => softmaxCrossentropyWithLabels(imatrix('z'), ivector('y'))).toThrow(/float/);
    const z = dmatrix('z');
    expect(() => evaluate([softmaxCrossentropyWithLabels(z, labels(0, 5))], new Map([[z, randomArray([2, 3], 'float64')]]))).toThrow(/label 5 at row 1 is out of range for 3 classes/);
    expect(() => evaluate([softmaxCrossentropyWithLabels(z, labels(0))], new Map([[z, randomArray([2, 3], 'float64')]]))).toThrow(/2 rows but 1 labels/);
  });
});

describe('categoricalCrossentropy', () => {
  it('with labels: -log p[i, y_i], and a correct gradient', () => {
    const p = dmatrix('p');
    const pv = randomArray([2, 3], 'float64', 13, 0.1, 1);
    const [loss] = evaluate([categoricalCrossentropy(p, labels(2, 0))], new Map([[p, pv]]));
    expect(loss!.data[0]).toBeCloseTo(-Math.log(pv.data[2]!), 12);
    expect(loss!.data[1]).toBeCloseTo(-Math.log(pv.data[3]!), 12);
    verifyGrad((q) => categoricalCrossentropy(q, labels(2, 0)), [pv]);
  });
  it('with a one-hot matrix equals the labelled form', () => {
    const p = dmatrix('p');
    const pv = randomArray([2, 3], 'float64', 14, 0.1, 1);
    const onehot = new Constant(NDArray.from([[0, 0, 1], [1, 0, 0]]));
    const [a, b] = evaluate([categoricalCrossentropy(p, onehot), categoricalCrossentropy(p, labels(2, 0))], new Map([[p, pv]]));
    expect(Array.from(a!.data)).toEqual(Array.from(b!.data));
    verifyGrad((q, t) => categoricalCrossentropy(q, t), [pv, randomArray([2, 3], 'float64', 15, 0, 1)]);
  });
  it('rejects targets of the wrong kind', () => {
    expect(() => categoricalCrossentropy(dmatrix('p'), imatrix('t'))).toThrow(/categorical_crossentropy: targets must be/);
    expect(() => categoricalCrossentropy(dvector('p'), ivector('t'))).toThrow(/categorical_crossentropy_with_labels.*matrix/);
  });
});

describe('binaryCrossentropy', () => {
  it('matches the formula and has a correct gradient', () => {
    const p = dvector('p');
    const t = dvector('t');
    const pv = NDArray.from([0.2, 0.7, 0.9]);
    const tv = NDArray.from([0, 1, 0.5]);
    const [loss] = evaluate([binaryCrossentropy(p, t)], new Map([[p, pv], [t, tv]]));
    for (let i = 0; i < 3; i++) {
      const [pi, ti] = [pv.data[i]!, tv.data[i]!];
      expect(loss!.data[i]).toBeCloseTo(-(ti * Math.log(pi) + (1 - ti) * Math.log(1 - pi)), 12);
    }
    verifyGrad((x, y) => binaryCrossentropy(sigmoid(x), y), [randomArray([4], 'float64', 16), randomArray([4], 'float64', 17, 0, 1)]);
  });
  it('rejects integer probabilities', () => {
    expect(() => binaryCrossentropy(ivector('p'), dvector('t'))).toThrow(/binary_crossentropy: .*float/);
  });
});
