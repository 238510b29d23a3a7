import { describe, expect, it } from 'vitest';
import { checkRewrite, constant, dmatrix, dvector, grad, onesLike, tensor, stopGradient, NDArray, type Variable } from '@hypatia/core';
import { add, castTo, div, mul, neg, secondOp, sub, sum, tanh } from '@hypatia/ops';
import '@hypatia/backends';

const m34 = () => NDArray.from([[0.1, -0.2, 0.3, 0.4], [0.5, -0.6, 0.7, 0.8], [-0.9, 1.0, 1.1, -1.2]], 'float64');
const countOp = (nodes: readonly { op: { name: string } }[], name: string) => nodes.filter((n) => n.op.name === name).length;
// Folding and fusion would hide what these rules did; structure is checked on the canonical graph.
const noFuse = ['elemwise_fusion', 'constant_folding'];

async function fires(rule: string, build: (x: Variable) => Variable, args = [m34()]) {
  const x = tensor('float64', [3, 4], 'x');
  const y = build(x);
  const r = await checkRewrite({ inputs: [x], outputs: [y], args: [args], rewrite: rule, exclude: noFuse });
  expect(r.withRule.graph.history).toContain(rule);
  return r;
}

describe('algebraic simplification', () => {
  it('mul_one removes x*1 and 1*x', async () => {
    const r = await fires('mul_one', (x) => add(mul(x, 1), mul(1, tanh(x))));
    expect(countOp(r.withRule.graph.nodes, 'mul')).toBe(0);
    expect(countOp(r.withoutRule.graph.nodes, 'mul')).toBe(2);
  });
  it('add_zero and sub_zero remove x+0, 0+x and x-0', async () => {
    const r = await fires('add_zero', (x) => mul(add(0, x), add(tanh(x), 0)));
    expect(countOp(r.withRule.graph.nodes, 'add')).toBe(0);
    const s = await fires('sub_zero', (x) => tanh(sub(x, 0)));
    expect(countOp(s.withRule.graph.nodes, 'sub')).toBe(0);
  });
  it('div_one removes x/1', async () => {
    const r = await fires('div_one', (x) => tanh(div(x, 1)));
    expect(countOp(r.withRule.graph.nodes, 'div')).toBe(0);
  });
  it('neg_neg removes a double negation', async () => {
    const r = await fires('neg_neg', (x) => tanh(neg(neg(x))));
    expect(countOp(r.withRule.graph.nodes, 'neg')).toBe(0);
  });
  it('stop_gradient becomes the identity', async () => {
    const r = await fires('stop_gradient', (x) => tanh(stopGradient(x)));
    expect(r.withRule.graph.nodes.map((n) => n.op.name)).toEqual(['tanh']);
  });
  it('cast_same_dtype removes a cast to the dtype the operand has', async () => {
    const to64 = castTo(tensor('float32', [3, 4]), 'float64').owner!.op;
    const r = await fires('cast_same_dtype', (x) => tanh(to64.call(x)));
    expect(countOp(r.withRule.graph.nodes, 'cast')).toBe(0);
  });
  it('second_same_shape keeps y when x adds no broadcasting', async () => {
    const r = await fires('second_same_shape', (x) => neg(secondOp.call(x, tanh(x))));
    expect(countOp(r.withRule.graph.nodes, 'second')).toBe(0);
  });

  it('fill_like_constant turns the gradient seed ones_like(cost) into a constant', async () => {
    const x = tensor('float64', [3, 4], 'x');
    const cost = sum(mul(tanh(x), 3));
    const g = grad(cost, x) as Variable;
    const r = await checkRewrite({ inputs: [x], outputs: [g], args: [[m34()]], rewrite: 'fill_like_constant', exclude: ['elemwise_fusion'] });
    expect(r.fired).toBe(true);
    expect(countOp(r.withRule.graph.nodes, 'ones_like')).toBe(0);
    expect(r.withRule.graph.nodes.length).toBeLessThan(r.withoutRule.graph.nodes.length);
    const z = tensor('float64', [null], 'z');
    const unknown = await checkRewrite({ inputs: [z], outputs: [onesLike(z)], args: [[NDArray.from([1, 2], 'float64')]], rewrite: 'fill_like_constant' });
    expect(unknown.fired).toBe(false);
  });

  it('never changes a broadcast shape: x*ones(3,4) with x a row, second(x, row)', async () => {
    const row = tensor('float64', [1, 4], 'r');
    const ones = constant(NDArray.from([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]], 'float64'));
    const big = tensor('float64', [3, 4], 'x');
    const outs = [mul(row, ones), add(constant(NDArray.from([[0], [0]], 'float64')), row), secondOp.call(big, row)];
    const r = await checkRewrite({
      inputs: [row, big], outputs: outs, args: [[NDArray.from([[1, 2, 3, 4]], 'float64'), m34()]],
      rewrite: ['mul_one', 'add_zero', 'second_same_shape'], exclude: noFuse,
    });
    expect(r.fired).toBe(false);
    const [a, b, c] = await r.withRule(NDArray.from([[1, 2, 3, 4]], 'float64'), m34());
    expect(a!.shape).toEqual([3, 4]);
    expect(b!.shape).toEqual([2, 4]);
    expect(c!.shape).toEqual([3, 4]);
  });

  it('does not drop a dtype promotion: int32 x * float64 1', async () => {
    const i = tensor('int32', [3], 'i');
    const y = mul(i, constant(1, 'float64'));
    const r = await checkRewrite({ inputs: [i], outputs: [y], args: [[NDArray.from([1, 2, 3], 'int32')]], rewrite: 'mul_one', exclude: noFuse });
    expect(r.fired).toBe(false);
    expect((await r.withRule(NDArray.from([1, 2, 3], 'int32')))[0]!.dtype).toBe('float64');
  });

  it('identities hold with unknown shapes', async () => {
    const x = dmatrix('x');
    const v = dvector('v');
    const y = add(mul(neg(neg(x)), 1), sub(v, 0));
    const r = await checkRewrite({ inputs: [x, v], outputs: [y], args: [[m34(), NDArray.from([1, 2, 3, 4], 'float64')]], rewrite: ['mul_one', 'neg_neg', 'sub_zero'], exclude: noFuse });
    expect(r.withRule.graph.nodes.map((n) => n.op.name)).toEqual(['add']);
  });
});
