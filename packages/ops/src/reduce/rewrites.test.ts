import { describe, expect, it } from 'vitest';
import { checkRewrite, grad, NDArray, tensor, type Variable } from '@hypatia/core';
import { add, dimshuffle, prod, sum, tanh } from '@hypatia/ops';
import '@hypatia/backends';

const t234 = () => NDArray.from(Array.from({ length: 24 }, (_, i) => i / 10 - 1), 'float64').reshape([2, 3, 4]);
const names = (nodes: readonly { op: { name: string } }[]) => nodes.map((n) => n.op.name);

describe('reductions read through a dimshuffle', () => {
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
});
