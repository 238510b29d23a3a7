import { describe, expect, it } from 'vitest';
import { Fused, NDArray, checkRewrite, compile, grad, dmatrix, dvector, ivector, tensor, zerosLike, type Op, type Variable } from '@hypatia/core';
import {
  softmax, log, sigmoid, sub, mul, div, sum, mean, neg, arange, shapeOf, advancedIndex, take, categoricalCrossentropy, binaryCrossentropy,
} from '@hypatia/ops';
import '@hypatia/backends';
import { LogSoftmax, logSoftmax } from './log-softmax.js';
import { Softmax } from './softmax.js';
import { SoftmaxGrad, softmaxGrad as softmaxGradOf } from './softmax-grad.js';
import { SoftmaxCrossentropyWithLabels } from './softmax-crossentropy.js';
import { SoftmaxCrossentropyGrad } from './softmax-crossentropy-grad.js';
import { randomArray } from '../testing/cases/elementwise.js';
import { AdvancedIncSubtensor } from '../indexing/advanced-inc-subtensor.js';

type OpClass = abstract new (...args: never[]) => Op;
/** A node's op, or the consumer a Fused node computes (producer fusion inlines elementwise operands into it). */
const opOf = (op: Op) => (op instanceof Fused ? op.consumer : op);
/** The names of the ops a node computes: its op's, or a Fused node's consumer's and its inlined producers' ops. */
const namesOf = (op: Op) => (op instanceof Fused ? [op.consumer.name, ...op.producers.flatMap((p) => p?.fusedOps ?? [])] : [op.name]);
const count = (fn: { graph: { nodes: { op: Op }[] } }, cls: OpClass) => fn.graph.nodes.filter((n) => opOf(n.op) instanceof cls).length;
const named = (fn: { graph: { nodes: { op: Op }[] } }, name: string) => fn.graph.nodes.flatMap((n) => namesOf(n.op)).filter((n) => n === name).length;
const argSets = (make: (seed: number) => NDArray[]) => [1, 2, 3].map(make);
const allFinite = (a: NDArray) => Array.from(a.data).every(Number.isFinite);
const labels = (...ys: number[]) => NDArray.from(ys, 'int32');
const z4 = (s: number) => randomArray([4, 5], 'float64', s, -5, 5);

/** network3's log-likelihood cost, written as the book writes it. */
const network3Cost = (z: Variable, y: Variable) => neg(mean(advancedIndex(log(softmax(z)), [arange(shapeOf(y, 0)), y])));
/** The same cost with the log taken after the indexing, as the README's tour writes it. */
const indexThenLogCost = (z: Variable, y: Variable) => neg(mean(log(advancedIndex(softmax(z), [arange(shapeOf(y, 0)), y]))));

describe('log_softmax', () => {
  it('replaces log(softmax(x)) and keeps its values', async () => {
    const x = dmatrix('x');
    const r = await checkRewrite({ inputs: [x], outputs: [log(softmax(x))], rewrite: 'log_softmax', args: argSets((s) => [randomArray([4, 5], 'float64', s, -5, 5)]) });
    expect(r.fired).toBe(true);
    expect(count(r.withRule, LogSoftmax)).toBe(1);
    expect(count(r.withRule, Softmax)).toBe(0);
    expect(count(r.withoutRule, LogSoftmax)).toBe(0);
  });
});

describe('log_softmax_grad', () => {
  it('removes the division by the softmax from the gradient of log(softmax(x))', async () => {
    const x = dmatrix('x');
    const w = dmatrix('w');
    const gx = grad(sum(mul(w, log(softmax(x)))), x);
    const r = await checkRewrite({
      inputs: [x, w], outputs: [gx], rewrite: 'log_softmax_grad',
      args: argSets((s) => [randomArray([3, 4], 'float64', s, -5, 5), randomArray([3, 4], 'float64', s + 10)]),
    });
    expect(r.fired).toBe(true);
    expect(count(r.withRule, SoftmaxGrad)).toBe(0);
    expect(count(r.withoutRule, SoftmaxGrad)).toBe(1);
  });
});

describe('log_indexed_softmax', () => {
  it('turns log(softmax(z)[arange(n), y]) into log_softmax(z)[arange(n), y], which log_softmax_nll then fuses', async () => {
    const z = dmatrix('z');
    const y = ivector('y');
    const r = await checkRewrite({
      inputs: [z, y], outputs: [indexThenLogCost(z, y)], rewrite: 'log_indexed_softmax', exclude: ['elemwise_fusion', 'producer_fusion'],
      args: [[z4(1), labels(1, 4, 0, 2)], [z4(2), labels(3, 3)], [z4(3), labels(-1, -5, 2)]],
    });
    expect(r.fired).toBe(true);
    expect(r.withRule.graph.history).toContain('log_softmax_nll');
    expect(count(r.withRule, SoftmaxCrossentropyWithLabels)).toBe(1);
    for (const gone of ['log', 'softmax']) expect(named(r.withRule, gone), gone).toBe(0);
    expect(named(r.withoutRule, 'log')).toBe(1);
    expect(count(r.withoutRule, SoftmaxCrossentropyWithLabels)).toBe(0);
  });
  it('takes any gather of a softmax: rows picked with repeats, and rows and labels of unknown lengths', async () => {
    const z = dmatrix('z');
    const rows = ivector('rows');
    const y = ivector('y');
    const r = await checkRewrite({
      inputs: [z, rows, y], outputs: [log(take(softmax(z), rows, 0)), log(advancedIndex(softmax(z), [rows, y]))], rewrite: 'log_indexed_softmax',
      args: [[z4(1), labels(0, 2, 2), labels(1, 4, 0)], [z4(2), labels(3, -1), labels(0)]],
    });
    expect(r.fired).toBe(true);
    expect(named(r.withRule, 'log')).toBe(0);
    expect(count(r.withRule, LogSoftmax)).toBe(1);
  });
  it('is finite where the picked probability underflows', async () => {
    const z = dmatrix('z');
    const y = ivector('y');
    const out = [log(advancedIndex(softmax(z), [arange(shapeOf(y, 0)), y]))];
    const zv = NDArray.from([[1000, -1000], [0, 0]]);
    const [v] = await (await compile({ inputs: [z, y], outputs: out, backend: 'reference', rewrites: { exclude: ['log_softmax_nll'] } }))(zv, labels(1, 0));
    expect(Array.from(v!.data)).toEqual([-2000, -Math.log(2)]);
    const [v0] = await (await compile({ inputs: [z, y], outputs: out, backend: 'reference', rewrites: { exclude: ['log_indexed_softmax'] } }))(zv, labels(1, 0));
    expect(v0!.data[0]).toBe(-Infinity);
  });
});

describe('log_indexed_softmax_grad', () => {
  it('cancels the division by the picked probabilities in the gradient of the index-then-log cost', async () => {
    const z = dmatrix('z');
    const y = ivector('y');
    const r = await checkRewrite({
      inputs: [z, y], outputs: [grad(indexThenLogCost(z, y), z)], rewrite: 'log_indexed_softmax_grad',
      args: [[z4(1), labels(1, 4, 0, 2)], [z4(2), labels(3, 3)], [z4(3), labels(-1, -5, 2)]],
    });
    expect(r.fired).toBe(true);
    // What it leaves is log_softmax_nll_grad's pattern: one fused gradient, no softmax_grad and no division.
    expect(r.withRule.graph.history).toContain('log_softmax_nll_grad');
    expect(count(r.withRule, SoftmaxCrossentropyGrad)).toBe(1);
    for (const gone of ['softmax_grad', 'softmax']) expect(named(r.withRule, gone), gone).toBe(0);
    expect(count(r.withoutRule, SoftmaxGrad)).toBe(1);
  });
  it('stands on its own when the fused ops cannot be used (rows and labels of unknown lengths, repeated rows)', async () => {
    const z = dmatrix('z');
    const rows = ivector('rows');
    const y = ivector('y');
    const g = dvector('g');
    const gz = grad(sum(mul(g, log(advancedIndex(softmax(z), [rows, y])))), z);
    const r = await checkRewrite({
      inputs: [z, rows, y, g], outputs: [gz], rewrite: 'log_indexed_softmax_grad',
      args: [[z4(1), labels(0, 2, 2), labels(1, 4, 4), NDArray.from([0.5, -1, 2])], [z4(2), labels(3, -1), labels(0, 0), NDArray.from([1, 3])]],
    });
    expect(r.fired).toBe(true);
    expect(r.withRule.graph.history).not.toContain('log_softmax_nll_grad');
    expect(count(r.withRule, SoftmaxGrad)).toBe(0);
    const [gv] = await r.withRule(NDArray.from([[1000, -1000, 0], [0, 0, 0]]), labels(0, 0, 1), labels(1, 1, 2), NDArray.from([1, 1, 1]));
    // d/dz of log p[0,1] twice and log p[1,2]: 2 (onehot - p) in row 0, onehot - p in row 1.
    const third = 1 / 3;
    expect(Array.from(gv!.data)).toEqual([-2, 2, 0, -third, -third, 1 - third].map((v) => expect.closeTo(v, 12)));
    const [gv0] = await r.withoutRule(NDArray.from([[1000, -1000, 0], [0, 0, 0]]), labels(0, 0, 1), labels(1, 1, 2), NDArray.from([1, 1, 1]));
    expect(allFinite(gv0!)).toBe(false);
  });
  it('leaves a quotient whose divisor was gathered elsewhere than the scatter writes alone', async () => {
    const z = dmatrix('z');
    const y = tensor('int32', [3], 'y');
    const y2 = tensor('int32', [3], 'y2');
    const p = softmax(z);
    const scattered = new AdvancedIncSubtensor(0, 'inc').call(zerosLike(p), div(NDArray.from([1, 2, 3]), advancedIndex(p, [arange(3), y2])), arange(3), y);
    const r = await checkRewrite({
      inputs: [z, y, y2], outputs: [softmaxGradOf(scattered, p)], rewrite: 'log_indexed_softmax_grad',
      args: [[z4(1), labels(1, 4, 0), labels(2, 2, 0)]],
    });
    expect(r.fired).toBe(false);
  });
});

describe('softmax_categorical_crossentropy', () => {
  it('computes categoricalCrossentropy(softmax(z), y) and its gradient from the logits', async () => {
    const z = dmatrix('z');
    const y = ivector('y');
    const cost = sum(categoricalCrossentropy(softmax(z), y));
    const r = await checkRewrite({
      inputs: [z, y], outputs: [cost, grad(cost, z)], rewrite: ['softmax_categorical_crossentropy', 'softmax_categorical_crossentropy_grad'],
      args: argSets((s) => [randomArray([3, 4], 'float64', s, -5, 5), labels(s % 4, 3, 0)]),
    });
    expect(r.fired).toBe(true);
    expect(count(r.withRule, SoftmaxCrossentropyWithLabels)).toBe(1);
    expect(count(r.withRule, SoftmaxCrossentropyGrad)).toBe(1);
    expect(count(r.withRule, Softmax)).toBe(0);
  });
});

describe('one-hot cross-entropy of a softmax', () => {
  it('has a finite cost and gradient for saturated logits through log_softmax and log_softmax_grad', async () => {
    const z = dmatrix('z');
    const t = dmatrix('t');
    const cost = sum(categoricalCrossentropy(softmax(z), t));
    const outputs = [cost, grad(cost, z)];
    const zv = NDArray.from([[1000, -1000], [0, 0]]);
    const tv = NDArray.from([[0, 1], [1, 0]]);
    const [c, g] = await (await compile({ inputs: [z, t], outputs, backend: 'reference' }))(zv, tv);
    expect(c!.item()).toBeCloseTo(2000 + Math.log(2), 9);
    expect(Array.from(g!.data)).toEqual([1, -1, -0.5, 0.5]);
    const [c0, g0] = await (await compile({ inputs: [z, t], outputs, backend: 'reference', rewrites: false }))(zv, tv);
    expect(Number.isFinite(c0!.item())).toBe(false);
    expect(allFinite(g0!)).toBe(false);
  });
});

describe('log_softmax_nll (network3 cost)', () => {
  for (const [name, rowsOf] of [['a constant arange(4)', () => arange(4)], ['arange(z.shape[0])', (z: Variable) => arange(shapeOf(z, 0))]] as const) {
    it(`turns -mean(log(softmax(z))[rows, y]) into the fused op on z itself, rows = ${name}`, async () => {
      const z = tensor('float64', [4, 5], 'z');
      const y = tensor('int32', [4], 'y');
      const cost = neg(mean(advancedIndex(log(softmax(z)), [rowsOf(z), y])));
      const r = await checkRewrite({
        inputs: [z, y], outputs: [cost, grad(cost, z)], rewrite: 'log_softmax_nll',
        args: argSets((s) => [randomArray([4, 5], 'float64', s, -5, 5), labels(s % 5, 4, 0, 2)]),
      });
      expect(r.fired).toBe(true);
      expect(count(r.withRule, SoftmaxCrossentropyWithLabels)).toBe(1);
      expect(named(r.withRule, 'advanced_subtensor')).toBe(0);
    });
  }
  it('with arange(y.shape[0]) as the book writes it (rows gathered, since z may have more rows)', async () => {
    const z = tensor('float64', [4, 5], 'z');
    const y = ivector('y');
    const cost = network3Cost(z, y);
    const r = await checkRewrite({
      inputs: [z, y], outputs: [cost, grad(cost, z)], rewrite: 'log_softmax_nll',
      args: [[randomArray([4, 5], 'float64', 1, -5, 5), labels(1, 4, 0, 2)], [randomArray([4, 5], 'float64', 2, -5, 5), labels(3, 3)], [randomArray([4, 5], 'float64', 3, -5, 5), labels(-1, -5, 2)]],
    });
    expect(r.fired).toBe(true);
    expect(count(r.withRule, SoftmaxCrossentropyWithLabels)).toBe(1);
  });
  it('with static shapes uses z directly', async () => {
    const z = tensor('float64', [4, 5], 'z');
    const y = tensor('int32', [4], 'y');
    const r = await checkRewrite({
      inputs: [z, y], outputs: [network3Cost(z, y)], rewrite: 'log_softmax_nll',
      args: argSets((s) => [randomArray([4, 5], 'float64', s, -5, 5), labels(1, 4, s % 5, 2)]),
    });
    expect(r.fired).toBe(true);
    expect(named(r.withRule, 'advanced_subtensor')).toBe(0);
  });
  it('leaves indexing whose rows and labels may broadcast against each other alone', async () => {
    const z = dmatrix('z');
    const rows = ivector('rows');
    const y = ivector('y');
    const fn = await compile({ inputs: [z, rows, y], outputs: [advancedIndex(log(softmax(z)), [rows, y])], backend: 'reference' });
    expect(fn.graph.history).not.toContain('log_softmax_nll');
    const [v] = await fn(randomArray([3, 4], 'float64', 1), labels(2), labels(0, 1, 3));
    expect(v!.shape).toEqual([3]);
  });
  it('gives a finite cost and gradient for saturated logits, where the unrewritten graph gives inf and NaN', async () => {
    const z = dmatrix('z');
    const y = ivector('y');
    const cost = network3Cost(z, y);
    const outputs = [cost, grad(cost, z)];
    const zv = NDArray.from([[1000, -1000, 0], [-1000, 1000, 0]]);
    const yv = labels(1, 0);
    const stable = await compile({ inputs: [z, y], outputs, backend: 'reference' });
    const naive = await compile({ inputs: [z, y], outputs, backend: 'reference', rewrites: false });
    const [c, g] = await stable(zv, yv);
    expect(c!.item()).toBeCloseTo(2000, 6);
    expect(allFinite(g!)).toBe(true);
    // d cost / dz = (softmax(z) - onehot(y)) / n
    expect(Array.from(g!.data)).toEqual([0.5, -0.5, 0, -0.5, 0.5, 0]);
    const [c0, g0] = await naive(zv, yv);
    expect(c0!.item()).toBe(Infinity);
    expect(allFinite(g0!)).toBe(false);
  });
});

describe('log_softmax_nll_grad (network3 cost, backward)', () => {
  const nllRules = ['log_softmax', 'log_softmax_grad', 'log_softmax_nll'];
  it('turns the scatter and log-softmax gradient into one softmax_crossentropy_grad on z when rows are all of z', async () => {
    const z = tensor('float64', [4, 5], 'z');
    const y = tensor('int32', [4], 'y');
    const cost = network3Cost(z, y);
    const r = await checkRewrite({
      inputs: [z, y], outputs: [cost, grad(cost, z)], rewrite: 'log_softmax_nll_grad',
      args: argSets((s) => [z4(s), labels(s % 5, 4, 0, -2)]),
    });
    expect(r.fired).toBe(true);
    expect(count(r.withRule, SoftmaxCrossentropyGrad)).toBe(1);
    for (const gone of ['advanced_inc_subtensor', 'softmax', 'log_softmax', 'zeros_like']) expect(named(r.withRule, gone), gone).toBe(0);
    // Without it the scatter (into a constant zero matrix: the shapes are static) and a softmax are there.
    expect(named(r.withoutRule, 'advanced_inc_subtensor')).toBe(1);
    expect(named(r.withoutRule, 'softmax')).toBe(1);
  });
  it('with arange(y.shape[0]) and z of unknown rows: the fused gradient on z[rows], scattered back', async () => {
    const z = dmatrix('z');
    const y = ivector('y');
    const cost = network3Cost(z, y);
    // Fewer labels than rows: the rows beyond get no gradient, with and without the rule.
    const r = await checkRewrite({
      inputs: [z, y], outputs: [cost, grad(cost, z)], rewrite: 'log_softmax_nll_grad',
      args: [[z4(1), labels(1, 4, 0, 2)], [z4(2), labels(3, 3)], [z4(3), labels(-1, -5, 2)]],
    });
    expect(r.fired).toBe(true);
    expect(count(r.withRule, SoftmaxCrossentropyGrad)).toBe(1);
    expect(named(r.withRule, 'log_softmax')).toBe(0);
    expect(named(r.withRule, 'softmax')).toBe(0);
    // The gathered z[rows] is the forward's, shared by the gradient.
    expect(named(r.withRule, 'advanced_subtensor')).toBe(1);
  });
  it('matches the gradient of log_softmax written directly, and repeated rows', async () => {
    const z = dmatrix('z');
    const rows = ivector('rows');
    const y = ivector('y');
    const g = dvector('g');
    const picked = advancedIndex(logSoftmax(z), [rows, y]);
    const r = await checkRewrite({
      inputs: [z, rows, y, g], outputs: [grad(sum(mul(g, picked)), z)], rewrite: 'log_softmax_nll_grad',
      args: [[z4(1), labels(0, 2, 2), labels(1, 4, 0), NDArray.from([0.5, -1, 2])], [z4(2), labels(3, -1), labels(0, 0), NDArray.from([1, 3])]],
    });
    // rows and labels are both unknown-length vectors: not provably the same length, so left alone.
    expect(r.fired).toBe(false);
    const rows3 = tensor('int32', [3], 'rows');
    const y3 = tensor('int32', [3], 'y');
    const g3 = tensor('float64', [3], 'g');
    const picked3 = advancedIndex(logSoftmax(z), [rows3, y3]);
    const r3 = await checkRewrite({
      inputs: [z, rows3, y3, g3], outputs: [grad(sum(mul(g3, picked3)), z)], rewrite: 'log_softmax_nll_grad',
      args: [[z4(1), labels(0, 2, 2), labels(1, 4, 0), NDArray.from([0.5, -1, 2])], [z4(2), labels(3, -1, 3), labels(0, 0, 1), NDArray.from([1, 3, -2])]],
    });
    expect(r3.fired).toBe(true);
    expect(count(r3.withRule, SoftmaxCrossentropyGrad)).toBe(1);
    expect(named(r3.withRule, 'log_softmax')).toBe(0);
  });
  it('leaves a seed that broadcasts over the rows in the scatter alone', async () => {
    const z = dmatrix('z');
    const y = tensor('int32', [3], 'y');
    const g = tensor('float64', [1], 'g');
    const a = new AdvancedIncSubtensor(0, 'inc').call(zerosLike(logSoftmax(z)), g, arange(3), y);
    const dz = sub(a, mul(softmax(z), sum(a, -1, true)));
    const r = await checkRewrite({ inputs: [z, y, g], outputs: [dz], rewrite: 'log_softmax_nll_grad', args: [[z4(1), labels(1, 4, 0), NDArray.from([0.5])]] });
    expect(r.fired).toBe(false);
  });
  it('keeps the saturated gradient finite and exact', async () => {
    const z = dmatrix('z');
    const y = ivector('y');
    const cost = network3Cost(z, y);
    const fn = await compile({ inputs: [z, y], outputs: [cost, grad(cost, z)], backend: 'reference' });
    expect(fn.graph.history).toContain('log_softmax_nll_grad');
    const [c, g] = await fn(NDArray.from([[1000, -1000, 0], [-1000, 1000, 0]]), labels(1, 0));
    expect(c!.item()).toBeCloseTo(2000, 6);
    expect(Array.from(g!.data)).toEqual([0.5, -0.5, 0, -0.5, 0.5, 0]);
    // The stabilising rules before it are what make the gradient finite; this one keeps that.
    const noNll = await compile({ inputs: [z, y], outputs: [grad(cost, z)], backend: 'reference', rewrites: { exclude: nllRules } });
    expect(allFinite((await noNll(NDArray.from([[1000, -1000, 0], [-1000, 1000, 0]]), labels(1, 0)))[0]!)).toBe(false);
  });
});

describe('label_loss_length', () => {
  it("reads mean's row count from the labels, not the loss vector", async () => {
    const z = dmatrix('z');
    const y = ivector('y');
    const cost = network3Cost(z, y);
    const r = await checkRewrite({
      inputs: [z, y], outputs: [cost, grad(cost, z)], rewrite: 'label_loss_length',
      args: [[z4(1), labels(1, 4, 0, 2)], [z4(2), labels(3, 3)]],
    });
    expect(r.fired).toBe(true);
    const shapeReads = (fn: typeof r.withRule) => fn.graph.nodes.filter((n) => n.op.name === 'shape_at').map((n) => n.inputs[0]!.name);
    // One shape_at(y), shared by arange and the mean (merged); without the rule the loss vector is read too.
    expect(shapeReads(r.withRule)).toEqual(['y']);
    expect(shapeReads(r.withoutRule)).toHaveLength(2);
  });
});

describe('log_sigmoid and log_one_minus_sigmoid', () => {
  it('rewrite both logs of binaryCrossentropy(sigmoid(x), t) and keep their values', async () => {
    const x = dvector('x');
    const t = dvector('t');
    const r = await checkRewrite({
      inputs: [x, t], outputs: [binaryCrossentropy(sigmoid(x), t)], rewrite: ['log_sigmoid', 'log_one_minus_sigmoid'],
      args: argSets((s) => [randomArray([6], 'float64', s, -8, 8), randomArray([6], 'float64', s + 5, 0, 1)]),
    });
    expect(r.fired).toBe(true);
    expect(r.withRule.graph.history.filter((h) => h === 'log_sigmoid' || h === 'log_one_minus_sigmoid').sort()).toEqual(['log_one_minus_sigmoid', 'log_sigmoid']);
    expect(r.withoutRule.graph.history).not.toContain('log_sigmoid');
  });
  it('each fires on its own pattern', async () => {
    const x = dvector('x');
    const a = await checkRewrite({ inputs: [x], outputs: [log(sigmoid(x))], rewrite: 'log_sigmoid', args: argSets((s) => [randomArray([5], 'float64', s, -30, 30)]) });
    const b = await checkRewrite({ inputs: [x], outputs: [log(sub(1, sigmoid(x)))], rewrite: 'log_one_minus_sigmoid', args: argSets((s) => [randomArray([5], 'float64', s, -30, 30)]) });
    expect([a.fired, b.fired]).toEqual([true, true]);
  });
  it('are finite where sigmoid saturates', async () => {
    const x = dvector('x');
    const outputs = [log(sigmoid(x)), log(sub(1, sigmoid(x)))];
    const xv = NDArray.from([-1000, 1000]);
    const [a, b] = await (await compile({ inputs: [x], outputs, backend: 'reference' }))(xv);
    expect(Array.from(a!.data)).toEqual([-1000, -0]);
    expect(Array.from(b!.data)).toEqual([-0, -1000]);
    const [a0, b0] = await (await compile({ inputs: [x], outputs, backend: 'reference', rewrites: false }))(xv);
    expect(a0!.data[0]).toBe(-Infinity);
    expect(b0!.data[1]).toBe(-Infinity);
  });
  it('sigmoid_grad_cancel makes the gradient of binaryCrossentropy(sigmoid(x), t) finite where the sigmoid saturates', async () => {
    const x = dvector('x');
    const t = dvector('t');
    const gx = grad(sum(binaryCrossentropy(sigmoid(x), t)), x);
    const r = await checkRewrite({
      inputs: [x, t], outputs: [gx], rewrite: 'sigmoid_grad_cancel',
      args: argSets((s) => [randomArray([6], 'float64', s, -8, 8), randomArray([6], 'float64', s + 5, 0, 1)]),
    });
    expect(r.fired).toBe(true);
    const xv = NDArray.from([-1000, 1000, 0]);
    const tv = NDArray.from([1, 0, 0.25]);
    const [g] = await r.withRule(xv, tv);
    // d/dx = sigmoid(x) - t
    expect(Array.from(g!.data)).toEqual([-1, 1, 0.25]);
    const [g0] = await r.withoutRule(xv, tv);
    expect(allFinite(g0!)).toBe(false);
  });
  it('sigmoid_grad_cancel also simplifies the gradient of log(sigmoid(x)) alone', async () => {
    const x = dvector('x');
    const r = await checkRewrite({ inputs: [x], outputs: [grad(sum(log(sigmoid(x))), x)], rewrite: 'sigmoid_grad_cancel', args: argSets((s) => [randomArray([5], 'float64', s, -30, 30)]) });
    expect(r.fired).toBe(true);
    const [g] = await r.withRule(NDArray.from([-1000, 1000]));
    expect(Array.from(g!.data)).toEqual([1, 0]);
  });
});
