import { describe, expect, it } from 'vitest';
import { checkRewrite, compile, dmatrix, ElemwiseSum, fmatrix, NDArray, tensor } from '@hypatia/core';
import { add, exp, gt, mul, sigmoid, sum, tanh } from '@hypatia/ops';
import { ReferenceBackend } from '@hypatia/backends';

const m = () => NDArray.from([[0.1, -0.2, 0.3], [0.5, -0.6, 0.7]], 'float64');

/** The reference backend, declaring no opt-in rewrites: as a backend without an ElemwiseSum kernel would. */
class PlainReference extends ReferenceBackend {
  override readonly supportedRewrites: readonly string[] = [];
}

describe('reduction_fusion (opt-in, declared by the backends that run ElemwiseSum)', () => {
  it('runs where the backend declares it, and only there unless included', async () => {
    const x = dmatrix('x');
    const declared = await compile({ inputs: [x], outputs: [sum(exp(x))], backend: 'reference' });
    expect(declared.graph.nodes.map((n) => n.op.name)).toEqual(['elemwise_sum']);
    const plain = await compile({ inputs: [x], outputs: [sum(exp(x))], backend: new PlainReference() });
    expect(plain.graph.nodes.some((n) => n.op instanceof ElemwiseSum)).toBe(false);
    const included = await compile({ inputs: [x], outputs: [sum(exp(x))], backend: new PlainReference(), rewrites: { include: ['reduction_fusion'] } });
    expect(included.graph.nodes.map((n) => n.op.name)).toEqual(['elemwise_sum']);
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
