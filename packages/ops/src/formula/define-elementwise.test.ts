import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, fvector, grad, ivector, tensor, verifyGrad, formulaKey, input, type Variable } from '@hypatia/core';
import '@hypatia/backends';
import { defineElementwise, FormulaError } from './index.js';
import { mul, sigmoid } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';

const run = (out: Variable, feeds: [Variable, NDArray][] = []) => evaluate([out], new Map(feeds))[0]!;

const swish = defineElementwise({ name: 'swish', inputs: ['x'], formula: 'x * sigmoid(x)' });
const blend = defineElementwise({ name: 'blend', inputs: ['a', 'b'], formula: 'a * tanh(b) + max(a, b)^2 / (1 + b^2)' });
const leaky = defineElementwise({ name: 'leaky', inputs: ['x'], formula: 'x > 0 ? x : 0.01 * x' });

describe('defineElementwise', () => {
  it('is one elementwise node whose scalar formula comes from the text', () => {
    const x = fvector('x');
    const y = swish(x);
    expect(y.owner!.op).toBe(swish.op);
    expect(y.owner!.op.name).toBe('swish');
    expect(y.dtype).toBe('float32');
    const f = swish.op.spec.formula([input(0, 'float64')]);
    const byHand = mul.op.spec.formula([input(0, 'float64'), sigmoid.op.spec.formula([input(0, 'float64')])]);
    expect(formulaKey(f)).toBe(formulaKey(byHand));
  });

  it('computes the formula', () => {
    const x = tensor('float64', [null], 'x');
    const xs = [-2, -0.5, 0, 1.5];
    const got = run(swish(x), [[x, NDArray.from(xs)]]);
    xs.forEach((v, i) => expect(got.data[i]).toBeCloseTo(v / (1 + Math.exp(-v)), 14));
    const l = run(leaky(x), [[x, NDArray.from(xs)]]);
    expect(Array.from(l.data)).toEqual([-0.02, -0.005, 0, 1.5]);
  });

  it('differentiates through the symbolic derivative (verifyGrad, float64)', () => {
    verifyGrad((x) => swish(x), [NDArray.from([[-2, -0.5, 0.3], [1.5, 3, -4]])]);
    verifyGrad((a, b) => blend(a, b), [NDArray.from([0.3, -1.2, 2, 0.7]), NDArray.from([1.1, 0.4, -0.6, 2.5])]);
    verifyGrad((x) => leaky(x), [NDArray.from([-1, -0.2, 0.4, 2])]);
  });

  it('sums gradients back over broadcast operands', () => {
    verifyGrad((a, b) => blend(a, b), [NDArray.from([[0.3, -1.2, 2], [0.5, 0.1, -0.9]]), NDArray.from([1.1, 0.4, -0.6])]);
    const a = tensor('float64', [null, null], 'a');
    const b = tensor('float64', [1, null], 'b');
    expect(grad(sum(blend(a, b)), b).type.shape).toEqual([1, null]);
  });

  it('supports second derivatives, since its gradient is ordinary graph', () => {
    const x = tensor('float64', [], 'x');
    const g = grad(swish(x), x);
    const h = grad(g, x);
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const v = 0.7;
    const want = 2 * s(v) * (1 - s(v)) + v * s(v) * (1 - s(v)) * (1 - 2 * s(v));
    expect(run(h, [[x, NDArray.from(v)]]).item()).toBeCloseTo(want, 12);
  });

  it('keeps weakly typed literals in the input dtype, and integer inputs get no gradient', () => {
    const x = fvector('x');
    expect(leaky(x).dtype).toBe('float32');
    const i = ivector('i');
    expect(blend(i, x).dtype).toBe('float32');
    const g = grad(sum(blend(i, x)), x);
    expect(g.dtype).toBe('float32');
  });

  it('a formula without its inputs still follows their dtype and shape', () => {
    const two = defineElementwise({ name: 'two', inputs: ['x'], formula: '1 + 1' });
    const x = tensor('float64', [null, 2], 'x');
    const y = two(x);
    expect(y.type.toString()).toBe('float64[?, 2]');
    expect(Array.from(run(y, [[x, NDArray.zeros('float64', [2, 2])]]).data)).toEqual([2, 2, 2, 2]);
    expect(() => grad(sum(y), x)).toThrow(/does not depend/);
  });

  it('compiles and runs on the reference backend', async () => {
    const x = fvector('x');
    const f = await compile({ inputs: [x], outputs: [swish(x), grad(sum(swish(x)), x)], backend: 'reference' });
    const [y, g] = await f(NDArray.from([0, 2], 'float32'));
    expect(y!.data[0]).toBe(0);
    expect(g!.data[0]).toBeCloseTo(0.5, 6);
    expect(y!.data[1]).toBeCloseTo(2 / (1 + Math.exp(-2)), 6);
  });

  it('equal definitions are equal ops; different formulas are not', () => {
    const again = defineElementwise({ name: 'swish', inputs: ['x'], formula: 'x * sigmoid(x)' });
    const other = defineElementwise({ name: 'swish', inputs: ['x'], formula: 'x * sigmoid(2 * x)' });
    expect(again.op.key()).toBe(swish.op.key());
    expect(other.op.key()).not.toBe(swish.op.key());
  });

  it('refuses bad definitions where they are written', () => {
    const define = (inputs: string[], formula: string) => () => defineElementwise({ name: 'bad', inputs, formula });
    expect(define(['x'], 'x + y')).toThrow(/unknown name "y" in "x \+ y"/);
    expect(define(['x'], 'dot(x, x)')).toThrow(/dot is not elementwise/);
    expect(define(['x', 'x'], 'x')).toThrow(/must be distinct plain names/);
    expect(define(['x'], 'cosh(x)')).toThrow(/unknown function "cosh"/);
    expect(define(['x'], 'x +* 2')).toThrow(/cannot parse/);
    expect(define(['__s0'], '__s0')).toThrow(FormulaError);
    try { define(['x'], 'x + y')(); } catch (e) { expect(String(e)).toMatch(/define-elementwise\.test\.ts:\d+/); }
    expect(() => (swish as (...xs: Variable[]) => Variable)(fvector('a'), fvector('b'))).toThrow(/swish takes 1 operand/);
  });
});
