import { describe, expect, it } from 'vitest';
import { checkRewrite, grad, NDArray, tensor, type Variable } from '@hypatia/core';
import { add, mean, mul, neg, secondOp, shapeOf, square, sum, tanh } from '@hypatia/ops';
import '@hypatia/backends';

const m34 = () => NDArray.from([[0.1, -0.2, 0.3, 0.4], [0.5, -0.6, 0.7, 0.8], [-0.9, 1.0, 1.1, -1.2]], 'float64');
const names = (nodes: readonly { op: { name: string } }[]) => nodes.map((n) => n.op.name);

describe('shape sources', () => {
  it('second_shape_source: the L2 gradient reads W for its shape, so square(W) fuses into its sum', async () => {
    const w = tensor('float64', [null, null], 'w');
    const l2 = sum(square(w));
    const [cost, gw] = [l2, grad(mul(l2, 0.5), w) as Variable];
    const r = await checkRewrite({ inputs: [w], outputs: [cost, gw], args: [[m34()]], rewrite: 'second_shape_source' });
    expect(r.fired).toBe(true);
    // square(W) has one reader left, the sum, and the two fuse into one elemwise_sum.
    expect(names(r.withRule.graph.nodes)).toContain('elemwise_sum');
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

  it('shape_at_shape_source: mean reads its operand only for a length, taken from the operand of an elementwise op', async () => {
    const x = tensor('float64', [null, null], 'x');
    const e = tanh(x);
    const y = add(mean(e), mul(shapeOf(neg(x), 1), 0));
    const r = await checkRewrite({ inputs: [x], outputs: [y, grad(mean(tanh(x)), x) as Variable], args: [[m34()]], rewrite: 'shape_at_shape_source' });
    expect(r.fired).toBe(true);
    for (const n of r.withRule.graph.nodes.filter((k) => k.op.name === 'shape_at')) expect(n.inputs[0]!.name).toBe('x');
  });
});
