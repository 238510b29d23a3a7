import { describe, expect, it } from 'vitest';
import { checkRewrite, compile, constant, dmatrix, dvector, grad, tensor, Elemwise, NDArray, S, type Variable } from '@hypatia/core';
import { add, castTo, div, mul, neg, secondOp, square, sub, sum, tanh } from '@hypatia/ops';
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

describe('algebraic simplification of the elementwise ops', () => {
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
  it('cast_same_dtype removes a cast to the dtype the operand has', async () => {
    const to64 = castTo(tensor('float32', [3, 4]), 'float64').owner!.op;
    const r = await fires('cast_same_dtype', (x) => tanh(to64.call(x)));
    expect(countOp(r.withRule.graph.nodes, 'cast')).toBe(0);
  });
  it('second_same_shape keeps y when x adds no broadcasting', async () => {
    const r = await fires('second_same_shape', (x) => neg(secondOp.call(x, tanh(x))));
    expect(countOp(r.withRule.graph.nodes, 'second')).toBe(0);
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

  it('recognises the catalogue\'s ops, not their names: a user\'s op called mul is not a product', async () => {
    const plus = new Elemwise({ name: 'mul', arity: 2, formula: ([a, b]) => S.add(a!, b!) });
    const x = dvector('x');
    const f = await compile({ inputs: [x], outputs: [plus.call(x, constant(1, 'float64'))], backend: 'reference' });
    expect(f.graph.history).not.toContain('mul_one');
    expect(Array.from((await f([1, 2]))[0]!.data)).toEqual([2, 3]);
  });
});

describe('second_shape_source', () => {
  const names = (nodes: readonly { op: { name: string } }[]) => nodes.map((n) => n.op.name);

  it('second_shape_source: the L2 gradient reads W for its shape, so square(W) fuses into its sum', async () => {
    const w = tensor('float64', [null, null], 'w');
    const l2 = sum(square(w));
    const [cost, gw] = [l2, grad(mul(l2, 0.5), w) as Variable];
    const r = await checkRewrite({ inputs: [w], outputs: [cost, gw], args: [[m34()]], rewrite: 'second_shape_source' });
    expect(r.fired).toBe(true);
    // square(W) has one reader left, the sum, which computes it inside its kernel (producer fusion).
    expect(r.withRule.graph.nodes.filter((n) => n.op.toString().startsWith('fused{sum'))).toHaveLength(1);
    expect(names(r.withRule.graph.nodes)).not.toContain('square');
    expect(names(r.withoutRule.graph.nodes)).toContain('square');
    expect(r.withRule.executable.kernelCount).toBeLessThan(r.withoutRule.executable.kernelCount);
  });

  it('second_shape_source keeps a broadcasting operand out: only an operand of the full shape stands in', async () => {
    const x = tensor('float64', [null, null], 'x');
    const row = tensor('float64', [1, null], 'row');
    const g = tensor('float64', [], 'g');
    // second(row + x, g): row is broadcast, x has the sum's shape, so x is the source.
    const y = neg(secondOp.call(add(row, x), g));
    const r = await checkRewrite({ inputs: [x, row, g], outputs: [y], args: [[m34(), NDArray.from([[1, 2, 3, 4]], 'float64'), NDArray.from(2, 'float64')]], rewrite: 'second_shape_source', exclude: ['elemwise_fusion'] });
    expect(r.fired).toBe(true);
    const second = r.withRule.graph.nodes.find((n) => n.op.name === 'second')!;
    expect(second.inputs[0]!.name).toBe('x');
    // A row and a column broadcast against each other: neither has the result's shape, nothing is rewritten.
    const col = tensor('float64', [null, 1], 'col');
    const onlyRow = neg(secondOp.call(add(row, col), g));
    const args = [NDArray.from([[1, 2, 3, 4]], 'float64'), NDArray.from(2, 'float64'), NDArray.from([[1], [2], [3]], 'float64')];
    const n = await checkRewrite({ inputs: [row, g, col], outputs: [onlyRow], args: [args], rewrite: 'second_shape_source' });
    expect(n.fired).toBe(false);
  });
});
