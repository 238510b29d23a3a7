import { describe, expect, it } from 'vitest';
import { checkRewrite, grad, NDArray, tensor, type Variable } from '@hypatia/core';
import { add, mean, mul, neg, shapeOf, tanh } from '@hypatia/ops';
import '@hypatia/backends';

const m34 = () => NDArray.from([[0.1, -0.2, 0.3, 0.4], [0.5, -0.6, 0.7, 0.8], [-0.9, 1.0, 1.1, -1.2]], 'float64');

describe('shape sources', () => {
  it('shape_at_shape_source: mean reads its operand only for a length, taken from the operand of an elementwise op', async () => {
    const x = tensor('float64', [null, null], 'x');
    const e = tanh(x);
    const y = add(mean(e), mul(shapeOf(neg(x), 1), 0));
    const r = await checkRewrite({ inputs: [x], outputs: [y, grad(mean(tanh(x)), x) as Variable], args: [[m34()]], rewrite: 'shape_at_shape_source' });
    expect(r.fired).toBe(true);
    for (const n of r.withRule.graph.nodes.filter((k) => k.op.name === 'shape_at')) expect(n.inputs[0]!.name).toBe('x');
  });
});
