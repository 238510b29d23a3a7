import { describe, expect, it } from 'vitest';
import { NDArray, dmatrix, dscalar, dvector, evaluate, fvector, ivector, tensor, vector, type Variable } from '@hypatia/core';
import { formula, FormulaError } from './index.js';
import * as E from '../elementwise/arithmetic.js';
import { dot } from '../linalg/dot.js';

const run = (out: Variable, feeds: [Variable, NDArray][] = []) => evaluate([out], new Map(feeds))[0]!;

describe('formula builds graph from math notation', () => {
  it('operators, precedence, unary minus and parentheses', () => {
    const x = dvector('x');
    const y = dvector('y');
    const feeds: [Variable, NDArray][] = [[x, NDArray.from([1, 2, -3])], [y, NDArray.from([0.5, 4, 2])]];
    const got = run(formula('-x^2 + 3 * (x - y) / y + +x', { x, y }), feeds);
    const want = [1, 2, -3].map((a, i) => { const b = [0.5, 4, 2][i]!; return -(a ** 2) + (3 * (a - b)) / b + a; });
    want.forEach((w, i) => expect(got.data[i]).toBeCloseTo(w, 12));
  });

  it('builds the same ops a hand-written graph uses', () => {
    const x = dvector('x');
    const out = formula('sigmoid(x) * 2', { x });
    expect(out.owner!.op.name).toBe('mul');
    expect(out.owner!.inputs[0]!.owner!.op.name).toBe('sigmoid');
  });

  it('calls every supported function', () => {
    const x = dvector('x');
    const xs = [0.3, 1.7];
    const v = NDArray.from(xs);
    const table: [string, (a: number) => number][] = [
      ['exp(x)', Math.exp], ['log(x)', Math.log], ['log1p(x)', Math.log1p], ['expm1(x)', Math.expm1], ['sqrt(x)', Math.sqrt],
      ['abs(-x)', Math.abs], ['sign(x - 1)', (a) => Math.sign(a - 1)], ['tanh(x)', Math.tanh], ['sin(x)', Math.sin], ['cos(x)', Math.cos],
      ['square(x)', (a) => a * a], ['sigmoid(x)', (a) => 1 / (1 + Math.exp(-a))], ['softplus(x)', (a) => Math.log1p(Math.exp(a))],
      ['relu(x - 1)', (a) => Math.max(a - 1, 0)], ['max(x, 1)', (a) => Math.max(a, 1)], ['min(x, 1)', (a) => Math.min(a, 1)],
      ['pow(x, 3)', (a) => a ** 3], ['x > 1 ? 2 * x : -x', (a) => (a > 1 ? 2 * a : -a)], ['pi * e * x', (a) => Math.PI * Math.E * a],
    ];
    for (const [expr, f] of table) {
      const got = run(formula(expr, { x }), [[x, v]]);
      xs.forEach((a, i) => expect(got.data[i], expr).toBeCloseTo(f(a), 12));
    }
  });

  it('comparisons and logic give bool', () => {
    const x = dvector('x');
    const out = formula('x > 0 and not (x >= 2) or x == -5', { x });
    expect(out.dtype).toBe('bool');
    expect(Array.from(run(out, [[x, NDArray.from([-5, -1, 1, 2])]]).data)).toEqual([1, 0, 1, 0]);
    expect(formula('x != 1', { x }).dtype).toBe('bool');
    expect(formula('x <= 1', { x }).dtype).toBe('bool');
    expect(formula('x < 1', { x }).dtype).toBe('bool');
  });

  it('numbers are weakly typed, and folded in float64 before they meet a tensor', () => {
    expect(formula('x * 2 + 1', { x: fvector('x') }).dtype).toBe('float32');
    expect(formula('i * 2 + 1', { i: ivector('i') }).dtype).toBe('int32');
    expect(formula('i / 2', { i: ivector('i') }).dtype).toBe('float32');
    const x = dvector('x');
    expect(run(formula('x * (1 / 3)', { x }), [[x, NDArray.from([3])]]).data[0]).toBe(3 * (1 / 3));
    expect(run(formula('x + 2^0.5', { x }), [[x, NDArray.from([0])]]).data[0]).toBe(Math.SQRT2);
    const c = formula('2 * 3');
    expect(c.dtype).toBe('float32');
    expect(run(c).item()).toBe(6);
  });

  it('takes values as well as variables, and broadcasts', () => {
    const m = dmatrix('m');
    const out = formula('m + b', { m, b: NDArray.from([10, 20]) });
    expect(run(out, [[m, NDArray.from([[1, 2], [3, 4]])]]).toArray()).toEqual([[11, 22], [13, 24]]);
    const r = tensor('float64', [1, null], 'r');
    expect(formula('m * r', { m, r }).type.toString()).toBe('float64[?, ?]');
  });

  it('dot reaches the linalg op', () => {
    const x = dmatrix('x');
    const w = dmatrix('w');
    const b = dvector('b');
    const out = formula('sigmoid(dot(x, w) + b)', { x, w, b });
    const feeds: [Variable, NDArray][] = [[x, NDArray.from([[1, 2]])], [w, NDArray.from([[0.5, -1], [0.25, 1]])], [b, NDArray.from([0.1, -0.2])]];
    const want = run(E.sigmoid(E.add(dot(x, w), b)), feeds);
    expect(Array.from(run(out, feeds).data)).toEqual(Array.from(want.data));
  });
});

describe('formula errors quote the fragment and name the line', () => {
  const x = vector('x');
  const cases: [string, RegExp][] = [
    ['x + foo', /unknown name "foo" in "x \+ foo"/],
    ['sinh(x)', /unknown function "sinh" \(known: exp, log/],
    ['log(x, 2)', /log takes 1 argument, got 2: "log\(x, 2\)"/],
    ['max(x)', /max takes 2 arguments, got 1/],
    ['x[1]', /unsupported syntax "x\[1\]" \(AccessorNode\)/],
    ['[1, 2] + x', /unsupported syntax "\[1, 2\]" \(ArrayNode\)/],
    ['y = x', /unsupported syntax "y = x" \(AssignmentNode\)/],
    ['x % 2', /unsupported operator "%" in "x % 2"/],
    ['x < 1 < 2', /unsupported syntax "x < 1 < 2" \(RelationalNode\)/],
    ['x +', /cannot parse "x \+": Unexpected end of expression/],
    ['"text"', /unsupported constant/],
    ['f(x) = x', /unsupported syntax/],
  ];
  for (const [expr, pattern] of cases) {
    it(expr, () => {
      let err: unknown;
      try { formula(expr, { x }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(FormulaError);
      expect(String(err)).toMatch(pattern);
      expect(String(err)).toMatch(/^FormulaError: formula: /);
      expect(String(err)).toMatch(/formula\.test\.ts:\d+/);
    });
  }

  it('a shape error inside a formula names the op', () => {
    expect(() => formula('a + b', { a: tensor('float32', [3], 'a'), b: tensor('float32', [4], 'b') })).toThrow(/add: operands do not broadcast/);
  });
});
