import { describe, expect, it } from 'vitest';
import { NDArray, checkRewrite, compile, dmatrix, tensor } from '@hypatia/core';
import { add, dimshuffle, exp, mul, reshape, slice, tanh, transpose } from '@hypatia/ops';
import '@hypatia/backends';

const t234 = () => NDArray.from(Array.from({ length: 24 }, (_, i) => i / 10 - 1), 'float64').reshape([2, 3, 4]);
const names = (nodes: readonly { op: { name: string } }[]) => nodes.map((n) => n.op.name);

describe('subtensor_whole', () => {
  it('drops a whole-tensor subtensor and keeps real slices', async () => {
    const x = dmatrix('x');
    const f = await compile({ inputs: [x], outputs: [exp(slice(x, [null, [null, null, 1]])), slice(x, [[1]])], backend: 'reference' });
    expect(f.graph.nodes.filter((n) => n.op.name === 'subtensor').length).toBe(1);
    expect(f.graph.history.some((h) => h.includes('subtensor_whole'))).toBe(true);
    const [a, b] = await f(NDArray.from([[0, 1], [2, 3]]));
    expect(Array.from(a!.data)).toEqual([0, 1, 2, 3].map(Math.exp));
    expect(b!.toArray()).toEqual([[2, 3]]);
  });
});

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
