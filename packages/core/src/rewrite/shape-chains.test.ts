import { describe, expect, it } from 'vitest';
import { checkRewrite, grad, NDArray, tensor, type Variable } from '@hypatia/core';
import { add, dimshuffle, mul, prod, reshape, sum, tanh, transpose } from '@hypatia/ops';
import '@hypatia/backends';

const t234 = () => NDArray.from(Array.from({ length: 24 }, (_, i) => i / 10 - 1), 'float64').reshape([2, 3, 4]);
const names = (nodes: readonly { op: { name: string } }[]) => nodes.map((n) => n.op.name);

describe('shape chains', () => {
  it('dimshuffle of dimshuffle becomes one dimshuffle', async () => {
    const x = tensor('float64', [2, 3, 4], 'x');
    const y = tanh(dimshuffle(dimshuffle(x, 2, 0, 'x', 1), 1, 2, 3, 0));
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[t234()]], rewrite: 'dimshuffle_dimshuffle' });
    expect(r.fired).toBe(true);
    expect(names(r.withRule.graph.nodes)).toEqual(['dimshuffle', 'tanh']);
    expect(r.withRule.graph.nodes[0]!.op.props()).toEqual({ pattern: [0, 'x', 1, 2], inputNdim: 3 });
  });

  it('a transpose of a transpose disappears', async () => {
    const x = tensor('float64', [null, 3, 4], 'x');
    const y = add(transpose(transpose(x)), 1);
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[t234()]], rewrite: 'dimshuffle_dimshuffle' });
    expect(names(r.withRule.graph.nodes)).toEqual(['add']);
  });

  it('keeps the broadcast pattern: dropping then re-adding a broadcastable axis', async () => {
    const x = tensor('float64', [1, 3], 'x');
    const y = dimshuffle(dimshuffle(x, 1), 'x', 0);
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[NDArray.from([[1, 2, 3]], 'float64')]], rewrite: 'dimshuffle_dimshuffle' });
    expect(r.withRule.graph.nodes.length).toBe(0);
    expect(r.withRule.graph.outputs[0]!.type.shape).toEqual([1, 3]);
  });

  it('reshape of reshape becomes one reshape; a reshape to the same static shape disappears', async () => {
    const x = tensor('float64', [2, 3, 4], 'x');
    const y = tanh(reshape(reshape(x, [6, 4]), [4, -1]));
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[t234()]], rewrite: 'reshape_reshape' });
    expect(names(r.withRule.graph.nodes)).toEqual(['reshape', 'tanh']);
    const z = tanh(reshape(reshape(x, [24]), [2, 3, 4]));
    const s = await checkRewrite({ inputs: [x], outputs: [z], args: [[t234()]], rewrite: ['reshape_reshape', 'reshape_noop'] });
    expect(names(s.withRule.graph.nodes)).toEqual(['tanh']);
  });

  it('reduce_keepdims_dimshuffle: a bias gradient sums without keepdims instead of dropping the axis after', async () => {
    const x = tensor('float64', [null, 3, 4], 'x');
    const b = tensor('float64', [4], 'b');
    // d sum(tanh(x + b)) / d b: sum over the broadcast axes with keepdims, then a drop of them.
    const gb = grad(sum(tanh(add(x, b))), b) as Variable;
    const r = await checkRewrite({ inputs: [x, b], outputs: [gb], args: [[t234(), NDArray.from([0.1, -0.2, 0.3, 0.5], 'float64')]], rewrite: 'reduce_keepdims_dimshuffle' });
    expect(r.fired).toBe(true);
    expect(names(r.withRule.graph.nodes)).not.toContain('dimshuffle');
    expect(names(r.withoutRule.graph.nodes)).toContain('dimshuffle');
    // prod too; a pattern that also moves axes, or a reduction read elsewhere, is left alone.
    const p = await checkRewrite({ inputs: [x], outputs: [dimshuffle(prod(x, 1, true), 0, 2)], args: [[t234()]], rewrite: 'reduce_keepdims_dimshuffle' });
    expect(names(p.withRule.graph.nodes)).toEqual(['prod']);
    const moved = await checkRewrite({ inputs: [x], outputs: [dimshuffle(sum(x, 1, true), 2, 0)], args: [[t234()]], rewrite: 'reduce_keepdims_dimshuffle' });
    expect(moved.fired).toBe(false);
    const kept = sum(x, 1, true);
    const shared = await checkRewrite({ inputs: [x], outputs: [dimshuffle(kept, 0, 2), tanh(kept)], args: [[t234()]], rewrite: 'reduce_keepdims_dimshuffle' });
    expect(shared.fired).toBe(false);
  });

  it('elemwise_leading_axes: an elementwise operand needs no dimshuffle that only adds leading axes', async () => {
    const x = tensor('float64', [null, 3, 4], 'x');
    const s = tensor('float64', [], 's');
    const row = tensor('float64', [4], 'row');
    const y = mul(add(x, dimshuffle(s, 'x', 'x')), dimshuffle(row, 'x', 'x', 0));
    const r = await checkRewrite({ inputs: [x, s, row], outputs: [y], args: [[t234(), NDArray.from(0.5, 'float64'), NDArray.from([1, 2, 3, 4], 'float64')]], rewrite: 'elemwise_leading_axes', exclude: ['elemwise_fusion'] });
    expect(r.fired).toBe(true);
    expect(names(r.withRule.graph.nodes)).toEqual(['add', 'mul']);
    // A dimshuffle that adds a trailing axis changes which axes align: kept.
    const col = tensor('float64', [3], 'col');
    const c = await checkRewrite({ inputs: [x, col], outputs: [add(x, dimshuffle(col, 0, 'x'))], args: [[t234(), NDArray.from([1, 2, 3], 'float64')]], rewrite: 'elemwise_leading_axes' });
    expect(c.fired).toBe(false);
  });
});
