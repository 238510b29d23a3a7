import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { NDArray, compile, dscalar, dvector, evaluate, tensor, type Apply, type Variable } from '@hypatia/core';
import { add, exp, mul, sin } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { jacobian, hessian } from './jacobian.js';
import { Scan } from './scan-op.js';

/** Central differences of `y` with respect to each element of `x`: [...y.shape, ...x.shape], flattened. */
function numericJacobian(y: Variable, x: Variable, env: Map<Variable, NDArray>, eps = 1e-6): number[] {
  const p = env.get(x)!;
  const columns: number[][] = [];
  for (let j = 0; j < p.size; j++) {
    const at = (sign: number) => {
      const q = p.copy();
      q.data[j] = q.data[j]! + sign * eps;
      return evaluate([y], new Map([...env, [x, q]]))[0]!;
    };
    const [a, b] = [at(1), at(-1)];
    columns.push(Array.from(a.data, (v, i) => (v - b.data[i]!) / (2 * eps)));
  }
  // Row-major over [y..., x...]: element i of y, then j of x.
  return columns[0]!.flatMap((_, i) => columns.map((c) => c[i]!));
}

describe('jacobian and hessian (built with scan)', () => {
  const x = dvector('x');
  const A = tensor('float64', [2, 3], 'A');
  const env = new Map<Variable, NDArray>([[x, NDArray.from([0.3, -0.7, 1.1], 'float64')], [A, NDArray.from([[1, 2, -1], [0.5, -0.25, 3]], 'float64')]]);

  it('jacobian of a vector, of a matrix-shaped expression and of a scalar, against finite differences', () => {
    const y = add(mul(sin(x), sum(mul(x, x))), exp(x));
    const Y = mul(sin(A), x); // [2, 3]: each row of sin(A) scaled by x
    const J = jacobian(y, x);
    const JA = jacobian(Y, [x, A]);
    const g = jacobian(sum(y), x);
    const [j, jx, jA, gs] = evaluate([J, JA[0]!, JA[1]!, g], env);
    expect(j!.shape).toEqual([3, 3]);
    expect(jx!.shape).toEqual([2, 3, 3]);
    expect(jA!.shape).toEqual([2, 3, 2, 3]);
    expect(gs!.shape).toEqual([3]);
    const close = (got: NDArray, want: number[]) => Array.from(got.data).forEach((v, i) => expect(v, `element ${i}`).toBeCloseTo(want[i]!, 6));
    close(j!, numericJacobian(y, x, env));
    close(jx!, numericJacobian(Y, x, env));
    close(jA!, numericJacobian(Y, A, env));
    // It is a scan over the rows of y.
    expect([J, JA[0]!].every((v) => [v, ...(v.owner?.inputs ?? [])].some((u) => u.owner?.op instanceof Scan))).toBe(true);
  });

  it('hessian of a scalar cost, against finite differences of its gradient, compiled', async () => {
    const c = dscalar('c');
    const cost = add(sum(mul(mul(x, x), x)), mul(c, mul(sum(x), sum(x))));
    const H = hessian(cost, x);
    const fn = await compile({ inputs: [x, c], outputs: [H], backend: 'reference' });
    const xs = [0.5, -1.5, 2];
    const [h] = await fn(NDArray.from(xs, 'float64'), 0.75);
    // H = diag(6x) + 2c·11ᵀ
    const want = xs.flatMap((xi, i) => xs.map((_, k) => (i === k ? 6 * xi : 0) + 1.5));
    expect(h!.shape).toEqual([3, 3]);
    Array.from(h!.data).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 10));
    expect(fn.graph.nodes.some((n: Apply) => n.op instanceof Scan)).toBe(true);
  });

  it('zeros where the expression does not depend on the variable; hessian wants vectors', () => {
    const z = dvector('z');
    const [j] = evaluate([jacobian(exp(x), z)], new Map([...env, [z, NDArray.from([1, 2], 'float64')]]));
    expect(j!.shape).toEqual([3, 2]);
    expect(Array.from(j!.data).every((v) => v === 0)).toBe(true);
    expect(() => hessian(sum(A), A)).toThrow(/hessian: each variable must be a vector/);
  });
});
