import { describe, expect, it } from 'vitest';
import { NDArray, dscalar, evaluate, grad, mulberry32, type Variable } from '@hypatia/core';
import { derivative as mathjsDerivative, parse } from 'mathjs/number';
import { formula, derivativeOf, FormulaError } from './index.js';

/** d(expr)/d(wrt) at a point, three ways: mathjs's derivative evaluated by mathjs, grad() through the formula graph, and our derivativeOf() built as graph. */
function threeWays(expr: string, wrt: string, point: Record<string, number>) {
  const vars = Object.fromEntries(Object.keys(point).map((k) => [k, dscalar(k)])) as Record<string, Variable>;
  const feeds = new Map(Object.entries(point).map(([k, v]) => [vars[k]!, NDArray.from(v)]));
  const viaGrad = evaluate([grad(formula(expr, vars), vars[wrt]!)], feeds)[0]!.item();
  const ours = derivativeOf(expr, wrt);
  const viaDerivativeOf = evaluate([formula(ours, vars)], feeds)[0]!.item();
  return { viaGrad, viaDerivativeOf, ours };
}

describe('symbolic derivatives agree with mathjs derivative()', () => {
  // Only functions mathjs can differentiate and evaluate; x, y drawn from [0.2, 2].
  const formulas: [string, string][] = [
    ['x^3 * sin(x)', 'x'],
    ['exp(-x^2 / 2)', 'x'],
    ['log(x^2 + 1)', 'x'],
    ['sqrt(x^2 + 3)', 'x'],
    ['tanh(2 * x) * cos(x)', 'x'],
    ['x / (1 + abs(x))', 'x'],
    ['sin(x)^2 + x * cos(x)^2', 'x'],
    ['exp(sin(x)) - log(2 + cos(x))', 'x'],
    ['(x + 1)^(-2)', 'x'],
    ['2^x', 'x'],
    ['x^x', 'x'],
    ['sqrt(exp(x) + 1) / (x^2 + 2)', 'x'],
    ['-x^4 + 3 * x^2 - x / 7', 'x'],
    ['tanh(tanh(x))', 'x'],
    ['log(sqrt(x^2 + 1) + x)', 'x'],
    ['cos(x^2) * exp(-abs(x))', 'x'],
    ['pi * x^2 + e^x', 'x'],
    ['x * y^2 + sin(x * y)', 'x'],
    ['x * y^2 + sin(x * y)', 'y'],
    ['log(x) / y - exp(x - y)', 'y'],
    ['x^y', 'y'],
  ];
  const rng = mulberry32(99);
  for (const [expr, wrt] of formulas) {
    it(`d/d${wrt} ${expr}`, () => {
      const d = mathjsDerivative(parse(expr), wrt);
      for (let t = 0; t < 4; t++) {
        const point = { x: 0.2 + 1.8 * rng(), y: 0.2 + 1.8 * rng() };
        const want = d.evaluate({ ...point }) as number;
        const { viaGrad, viaDerivativeOf, ours } = threeWays(expr, wrt, point);
        const tol = 1e-9 * Math.max(1, Math.abs(want));
        expect(Math.abs(viaGrad - want), `grad() at ${JSON.stringify(point)}`).toBeLessThanOrEqual(tol);
        expect(Math.abs(viaDerivativeOf - want), `derivativeOf() = ${ours}`).toBeLessThanOrEqual(tol);
      }
    });
  }
});

describe('derivatives of the functions mathjs does not know', () => {
  // Our derivativeOf() and grad() through the ops' own gradients are independent routes; they must agree.
  const formulas = [
    'x * sigmoid(x)',
    'softplus(3 * x) - log1p(x^2)',
    'expm1(x) * relu(x - 1)',
    'max(x, 2 - x) + min(x^2, 1)',
    'abs(x - 1) * sign(x - 0.5)',
    'x > 1 ? x^2 : 0.5 * x',
    'square(tanh(x)) + (x < 0.7) * x',
    'sigmoid(softplus(x) * tanh(x))',
  ];
  const rng = mulberry32(7);
  for (const expr of formulas) {
    it(expr, () => {
      for (let t = 0; t < 5; t++) {
        const point = { x: -2 + 4 * rng() };
        const { viaGrad, viaDerivativeOf, ours } = threeWays(expr, 'x', point);
        expect(Math.abs(viaGrad - viaDerivativeOf), `${ours} at ${point.x}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(viaGrad)));
      }
    });
  }

  it('gives readable formulas', () => {
    expect(derivativeOf('x * sigmoid(x)', 'x')).toBe('sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x))');
    expect(derivativeOf('abs(x)', 'x')).toBe('sign(x)');
    expect(derivativeOf('x > 0 ? x : 0.1 * x', 'x')).toBe('(x > 0) ? 1 : 0.1');
    expect(derivativeOf('y * 3', 'x')).toBe('0');
  });

  it('refuses what it cannot differentiate', () => {
    expect(() => derivativeOf('dot(x, x)', 'x')).toThrow(/dot is not elementwise/);
    expect(() => derivativeOf('sinh(x)', 'x')).toThrow(FormulaError);
    expect(() => derivativeOf('__s0 * x', 'x')).toThrow(/reserved/);
    expect(() => derivativeOf('log(x, 2)', 'x')).toThrow(/log takes 1 argument/);
  });
});
