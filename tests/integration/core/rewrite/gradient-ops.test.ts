import { describe, expect, it } from 'vitest';
import { checkRewrite, grad, onesLike, tensor, stopGradient, NDArray, type Variable } from '@hypatia/core';
import { mul, sum, tanh } from '@hypatia/ops';
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

describe('rewrites of the ops gradients are built from', () => {
  it('stop_gradient becomes the identity', async () => {
    const r = await fires('stop_gradient', (x) => tanh(stopGradient(x)));
    expect(r.withRule.graph.nodes.map((n) => n.op.name)).toEqual(['tanh']);
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
});
