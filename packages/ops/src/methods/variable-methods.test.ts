import { describe, expect, it } from 'vitest';
import {
  NDArray, SharedVariable, compile, debugPrintGraph, evaluate, grad, ivector, matrix, pprint, scalar, shared, tensor, vector, type Variable,
} from '@hypatia/core';
import '@hypatia/backends';
import {
  VARIABLE_METHODS, add, advancedIndex, arange, cumsum, dot, log, mean, mul, neg, reshape, shapeOf, sigmoid, softmax, sub, sum, topk, transpose,
} from '../index.js';

const run = (outs: Variable[], feeds: [Variable, NDArray][]) => evaluate(outs, new Map(feeds));

describe('method chaining on variables', () => {
  it("writes the README tour's cost both ways as one graph, with the same values and gradients", async () => {
    const X = matrix('X');
    const labels = ivector('labels');
    const W = shared(NDArray.from([[0.1, -0.2], [0.3, 0.05]], 'float32'), 'W');
    const b = shared(NDArray.from([0.01, -0.02], 'float32'), 'b');
    const p = softmax(add(dot(X, W), b));
    const functional = neg(mean(log(advancedIndex(p, [arange(shapeOf(labels, 0)), labels]))));
    const chained = X.dot(W).add(b).softmax().at(arange(labels.symShape[0]!), labels).log().mean().neg();
    expect(pprint(chained)).toBe(pprint(functional));
    expect(debugPrintGraph([chained])).toBe(debugPrintGraph([functional]));

    const [gW, gb] = grad(functional, [W, b]);
    const [cW, cb] = grad(chained, [W, b]);
    const f = await compile({ inputs: [X, labels], outputs: [functional, chained, gW!, cW!, gb!, cb!], backend: 'reference' });
    const out = await f(NDArray.from([[1, 2], [0.5, -1], [3, 0]], 'float32'), NDArray.from([1, 0, 1], 'int32'));
    for (let k = 0; k < out.length; k += 2) expect(Array.from(out[k + 1]!.data)).toEqual(Array.from(out[k]!.data));
    // CSE merges the two spellings into one computation: only the results handed back stay apart
    // (two outputs never share an array), and each pair of them reads the same variables.
    const outs = f.graph.outputs;
    for (let k = 0; k < outs.length; k += 2) {
      const [a, c] = [outs[k]!.owner!.inputs, outs[k + 1]!.owner!.inputs];
      expect(c.length === a.length && c.every((v, i) => v === a[i])).toBe(true);
    }
  });

  it('each method builds what its function builds', () => {
    const x = matrix('x');
    const y = matrix('y');
    const pairs: [Variable, Variable][] = [
      [x.sigmoid(), sigmoid(x)],
      [x.sub(2), sub(x, 2)],
      [x.mul(y).sum(1, true), sum(mul(x, y), 1, true)],
      [x.reshape([x.symShape[1]!, -1]), reshape(x, [shapeOf(x, 1), -1])],
      [x.T, transpose(x)],
      [x.cumsum(0).topk(1, 0), topk(cumsum(x, 0), 1, 0)],
      [x.astype('int32'), x.cast('int32')],
    ];
    for (const [chained, functional] of pairs) expect(pprint(chained)).toBe(pprint(functional));
  });

  it('keeps x.shape the static shape; symShape gives the run-time lengths as int32 scalars', () => {
    const x = tensor('float32', [null, 3, 4], 'x');
    expect(x.shape).toEqual([null, 3, 4]);
    expect(x.symShape).toHaveLength(3);
    expect(x.symShape.every((s) => s.dtype === 'int32' && s.ndim === 0)).toBe(true);
    const last = x.symShape.at(-1)!;
    const [n, l] = run([x.symShape[0]!, last], [[x, NDArray.zeros('float32', [2, 3, 4])]]);
    expect([n!.item(), l!.item()]).toEqual([2, 4]);
  });

  it('works on constants and shared variables, and stays off their enumerable keys', () => {
    const w = shared(NDArray.from([1, -2, 3], 'float32'), 'w');
    expect(w).toBeInstanceOf(SharedVariable);
    const [got] = run([w.mul(2).relu().sum()], []);
    expect(got!.item()).toBe(8);
    const v = vector('v');
    expect(Object.keys(v).some((k) => VARIABLE_METHODS.includes(k))).toBe(false);
    expect(w.get().data[0]).toBe(1);
  });

  it('covers the common ops: arithmetic, math, reductions, products, shapes, indexing, comparisons, casts, nnet', () => {
    for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'neg', 'exp', 'log', 'tanh', 'sigmoid', 'relu', 'floor', 'erf', 'mod', 'floorDiv', 'sum', 'mean', 'max', 'argmax', 'var', 'std',
      'dot', 'matmul', 'tensordot', 'reshape', 'flatten', 'dimshuffle', 'transpose', 'T', 'at', 'take', 'subtensor', 'booleanMask', 'lt', 'eq', 'and', 'cast', 'astype',
      'softmax', 'logSoftmax', 'categoricalCrossentropy', 'oneHot', 'cumsum', 'sort', 'topk', 'symShape']) {
      expect(VARIABLE_METHODS, name).toContain(name);
    }
    const s = scalar('s');
    expect(s.add(1).mul(s).exp().dtype).toBe('float32');
  });
});
