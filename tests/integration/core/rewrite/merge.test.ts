import { describe, expect, it } from 'vitest';
import { checkRewrite, compile, constant, dmatrix, NDArray, shared } from '@hypatia/core';
import { add, exp, mul, sigmoid, sub, sum, tanh } from '@hypatia/ops';
import '@hypatia/backends';

const m = () => NDArray.from([[0.1, -0.2, 0.3], [0.5, -0.6, 0.7]], 'float64');
const noFuse = ['elemwise_fusion', 'constant_folding'];

describe('merge', () => {
  it('merges duplicate subgraphs built separately', async () => {
    const x = dmatrix('x');
    const w = dmatrix('w');
    const branch = () => sigmoid(add(mul(x, w), 1));
    const y = sub(tanh(branch()), exp(branch()));
    const r = await checkRewrite({ inputs: [x, w], outputs: [y], args: [[m(), m()]], rewrite: ['merge', 'merge_late'], exclude: noFuse });
    expect(r.fired).toBe(true);
    // mul, add, sigmoid once each, then tanh, exp, sub
    expect(r.withRule.graph.nodes.length).toBe(6);
    expect(r.withoutRule.graph.nodes.length).toBe(9);
    // one pass merges whole chains of duplicates (each input read through the merges before it)
    const once = await compile({ inputs: [x, w], outputs: [y], backend: 'reference', rewrites: { exclude: ['merge_late', ...noFuse] } });
    expect(once.graph.nodes.length).toBe(6);
    // the constant 1 of each branch, then mul, add and sigmoid
    expect(once.graph.history.filter((h) => h === 'merge').length).toBe(4);
  });

  it('merges equal constants, so x+2 and x+2 built from two constants become one node', async () => {
    const x = dmatrix('x');
    const y = mul(add(x, constant(2, 'float64')), add(x, constant(2, 'float64')));
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[m()]], rewrite: ['merge', 'merge_late'], exclude: noFuse });
    expect(r.withRule.graph.nodes.map((n) => n.op.name)).toEqual(['add', 'mul']);
  });

  it('does not merge constants that differ only in dtype or in the sign of zero', async () => {
    const x = dmatrix('x');
    const y = add(mul(x, constant(0, 'float64')), mul(x, constant(-0, 'float64')));
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[m()]], rewrite: ['merge', 'merge_late'], exclude: noFuse });
    expect(r.withRule.graph.nodes.filter((n) => n.op.name === 'mul').length).toBe(2);
  });

  it('keeps two returned results apart, so the caller never gets one array twice', async () => {
    const x = dmatrix('x');
    const f = await compile({ inputs: [x], outputs: [exp(x), exp(x)], backend: 'reference' });
    const [a, b] = await f(m());
    expect(a).not.toBe(b);
    expect(Array.from(a!.data)).toEqual(Array.from(b!.data));
  });

  it('merges the updates\' shared subexpressions with the outputs', async () => {
    const x = dmatrix('x');
    const w = shared(NDArray.from([[1, 2, 3], [4, 5, 6]], 'float64'), 'w');
    const cost = sum(mul(x, w));
    const f = await compile({ inputs: [x], outputs: [cost], updates: [[w, add(w, mul(x, w))]], backend: 'reference', rewrites: { exclude: noFuse } });
    expect(f.graph.nodes.filter((n) => n.op.name === 'mul').length).toBe(1);
    const [c] = await f(m());
    expect(c!.item()).toBeCloseTo(0.1 - 0.4 + 0.9 + 2 - 3 + 4.2, 10);
  });
});
