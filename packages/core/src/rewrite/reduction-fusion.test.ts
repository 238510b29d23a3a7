import { describe, expect, it } from 'vitest';
import { checkRewrite, compile, dmatrix, ElemwiseSum, fmatrix, NDArray, tensor } from '@hypatia/core';
import { add, exp, gt, mul, sigmoid, sum, tanh } from '@hypatia/ops';
import '@hypatia/backends';

const m = () => NDArray.from([[0.1, -0.2, 0.3], [0.5, -0.6, 0.7]], 'float64');

describe('reduction_fusion (opt-in)', () => {
  it('is off unless included', async () => {
    const x = dmatrix('x');
    const f = await compile({ inputs: [x], outputs: [sum(exp(x))], backend: 'reference' });
    expect(f.graph.nodes.some((n) => n.op instanceof ElemwiseSum)).toBe(false);
  });

  it('sums a fused elementwise group in one node, over any axes', async () => {
    const x = dmatrix('x');
    const y = tensor('float64', [1, null], 'y');
    const e = sigmoid(mul(add(x, y), 2));
    const outs = [sum(e), sum(tanh(x), 0), sum(exp(mul(x, y)), 1, true)];
    const r = await checkRewrite({ inputs: [x, y], outputs: outs, args: [[m(), NDArray.from([[1, 2, 3]], 'float64')]], rewrite: 'reduction_fusion' });
    expect(r.fired).toBe(true);
    expect(r.withRule.graph.nodes.map((n) => n.op.name)).toEqual(['elemwise_sum', 'elemwise_sum', 'elemwise_sum']);
    expect(r.withRule.graph.outputs.map((o) => o.type.shape)).toEqual([[], [null], [null, 1]]);
  });

  it('leaves an elementwise result that is also used elsewhere', async () => {
    const x = fmatrix('x');
    const e = exp(x);
    const r = await checkRewrite({ inputs: [x], outputs: [sum(e), e], args: [[m().astype('float32')]], rewrite: 'reduction_fusion' });
    expect(r.fired).toBe(false);
  });

  it('counts booleans as int32, as Sum does', async () => {
    const x = dmatrix('x');
    const r = await checkRewrite({ inputs: [x], outputs: [sum(gt(x, 0), 1)], args: [[m()]], rewrite: 'reduction_fusion' });
    expect(r.fired).toBe(true);
    const [c] = await r.withRule(m());
    expect(c!.dtype).toBe('int32');
    expect(Array.from(c!.data)).toEqual([2, 2]);
  });
});
