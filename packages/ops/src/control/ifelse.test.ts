import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { NDArray, Op, TensorType, compile, scalar, tensor, vector, verifyGrad, type Apply, type Variable } from '@hypatia/core';
import { add, exp, gt, mul, sin, sub } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { subtensor } from '../shape/subtensor.js';
import { ifelse } from './ifelse.js';
import { IfElse } from './ifelse.js';

/** An identity that counts its reference evaluations. */
class Counted extends Op {
  readonly name = 'counted';
  calls = 0;
  inferTypes([t]: readonly TensorType[]): TensorType[] { return [t!]; }
  perform([x]: readonly NDArray[]): NDArray[] { this.calls++; return [x!.copy()]; }
}

describe('ifelse', () => {
  it('gives the branch the condition selects, one value or several', async () => {
    const c = scalar('c', 'bool');
    const x = vector('x');
    const y = ifelse(c, mul(x, 2), add(x, 1));
    const [p, q] = ifelse(c, [sum(x), x], [scalar('k'), sub(x, 1)]);
    const k = p!.owner!.inputs.find((v) => v.name === 'k')!;
    const fn = await compile({ inputs: [c, x, k], outputs: [y, p!, q!], backend: 'reference' });
    const xs = NDArray.from([1, 2, 3], 'float32');
    const [a, b, d] = await fn(true, xs, 7);
    expect(Array.from(a!.data)).toEqual([2, 4, 6]);
    expect(b!.item()).toBe(6);
    expect(Array.from(d!.data)).toEqual([1, 2, 3]);
    const [e, f, g] = await fn(false, xs, 7);
    expect(Array.from(e!.data)).toEqual([2, 3, 4]);
    expect(f!.item()).toBe(7);
    expect(Array.from(g!.data)).toEqual([0, 1, 2]);
  });

  it('computes only the branch taken: the other one counts no call and raises no error', async () => {
    const c = scalar('c', 'bool');
    const x = vector('x');
    const counted = new Counted();
    const thenValue = exp(counted.call(mul(x, 3)));
    // Index 10 of a three-element vector: an error, if this branch ran.
    const elseValue = add(subtensor(x, [10]), x);
    const fn = await compile({ inputs: [c, x], outputs: [ifelse(c, thenValue, elseValue)], backend: 'reference' });
    const xs = NDArray.from([0, 1, 2], 'float32');
    const [r] = await fn(true, xs);
    expect(r!.data[1]).toBeCloseTo(Math.exp(3), 4);
    expect(counted.calls).toBe(1);
    await expect(fn(false, xs)).rejects.toThrow(/subtensor: index 10 is out of bounds/);
    expect(counted.calls).toBe(1);
    // The nodes only a branch reads moved into it.
    const node = fn.graph.nodes.find((n): n is Apply & { op: IfElse } => n.op instanceof IfElse)!;
    expect(node.op.thenBranch.nodes.map((n) => n.op.name)).toContain('counted');
    expect(node.op.elseBranch.nodes.map((n) => n.op.name)).toContain('subtensor');
    expect(node.inputs).toHaveLength(2);
    // Without the rule that moves them, both branches' operands are computed before the choice.
    const eager = await compile({ inputs: [c, x], outputs: [ifelse(c, thenValue, elseValue)], backend: 'reference', rewrites: { exclude: ['ifelse_lazy'] } });
    await expect(eager(true, xs)).rejects.toThrow(/subtensor: index 10 is out of bounds/);
  });

  it('its gradient is an ifelse of the branches\' gradients', () => {
    for (const c of [1, -1]) {
      verifyGrad((x, w) => ifelse(gt(sum(x), 0), mul(sin(x), w), sub(mul(x, x), w)), [NDArray.from([0.3 * c, 0.2 * c, 0.4 * c], 'float64'), NDArray.from(1.5, 'float64')]);
    }
  });

  it('refuses branches whose values differ in dtype or rank', () => {
    const c = scalar('c', 'bool');
    expect(() => ifelse(c, vector('a'), tensor('float32', [null, null], 'b'))).toThrow(/ifelse: .*rank/);
    expect(() => ifelse(vector('v'), scalar('a'), scalar('b'))).toThrow(/the condition must be a scalar/);
    const ok: Variable = ifelse(c, tensor('float32', [3], 'a'), tensor('float32', [4], 'b'));
    expect(ok.type.shape).toEqual([null]);
  });
});
