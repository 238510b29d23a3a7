import { describe, expect, it } from 'vitest';
import { checkRewrite, compile, Composite, dmatrix, fmatrix, NDArray, tensor, formulaSize, MAX_COMPOSITE_INPUTS, MAX_FORMULA_SIZE, type Variable } from '@hypatia/core';
import { add, exp, mul, neg, sigmoid, sub, sum, tanh, transpose, where, gt, relu, dimshuffle } from '@hypatia/ops';
import '@hypatia/backends';

const m = (r = 2, c = 3, k = 0) => NDArray.from(Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => Math.sin(i * c + j + k))), 'float64');
const composites = (nodes: readonly { op: unknown }[]) => nodes.filter((n) => n.op instanceof Composite).length;

describe('elemwise_fusion', () => {
  it('turns a long elementwise chain into one kernel', async () => {
    const x = dmatrix('x');
    const y = dmatrix('y');
    let z: Variable = x;
    for (let i = 0; i < 20; i++) z = i % 3 === 0 ? tanh(add(z, y)) : i % 3 === 1 ? mul(sigmoid(z), 1.5) : sub(z, mul(y, 0.25));
    const r = await checkRewrite({ inputs: [x, y], outputs: [z], args: [[m(), m(2, 3, 7)]], rewrite: 'elemwise_fusion' });
    expect(r.withRule.executable.kernelCount).toBe(1);
    expect(r.withoutRule.executable.kernelCount).toBeGreaterThan(20);
    const op = r.withRule.graph.nodes[0]!.op as Composite;
    expect(op).toBeInstanceOf(Composite);
    expect(op.inputDtypes.length).toBe(2);
  });

  it('equal groups get equal keys (one kernel in a backend cache)', async () => {
    const x = dmatrix('x');
    const y = dmatrix('y');
    const f = await compile({ inputs: [x, y], outputs: [exp(neg(x)), exp(neg(y))], backend: 'reference', rewrites: { exclude: ['merge', 'merge_late'] } });
    const [a, b] = f.graph.nodes;
    expect(a!.op.key()).toBe(b!.op.key());
    expect(a!.op.key()).toContain('exp');
  });

  it('keeps a result used twice, or returned, as a group boundary', async () => {
    const x = dmatrix('x');
    const t = tanh(mul(x, 2));
    const out = [add(exp(t), t), neg(t)];
    const r = await checkRewrite({ inputs: [x], outputs: out, args: [[m()]], rewrite: 'elemwise_fusion' });
    // tanh(mul) is one group; add(exp(t), t) another; neg(t) stays a single node
    expect(r.withRule.graph.nodes.length).toBe(3);
    expect(composites(r.withRule.graph.nodes)).toBe(2);
  });

  it('does not fuse across a reduction', async () => {
    const x = dmatrix('x');
    const e = exp(x);
    const s = sum(e, 1, true);
    const y = mul(neg(e), add(s, 1));
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[m()]], rewrite: 'elemwise_fusion' });
    // e feeds the sum and neg, so it is a boundary; neg and mul fuse; add(s, 1) is [?, 1], not [?, ?]
    expect(r.withRule.graph.nodes.map((n) => n.op.name).sort()).toEqual(['add', 'composite', 'exp', 'sum']);
  });

  it('stays convex: a path out through a transpose and back in splits the group', async () => {
    const x = tensor('float64', [3, 3], 'x');
    const a = tanh(mul(x, 2));
    const y = exp(add(neg(a), transpose(a)));
    const args = [NDArray.from([[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((row) => row.map((v) => v / 10)), 'float64')];
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [args], rewrite: 'elemwise_fusion' });
    const nodes = r.withRule.graph.nodes;
    expect(nodes.map((n) => n.op.name)).toEqual(['composite', 'dimshuffle', 'composite']);
    expect(nodes[1]!.inputs[0]).toBe(nodes[0]!.outputs[0]);
    expect(nodes[2]!.inputs).toContain(nodes[1]!.outputs[0]);
  });

  it('does not compute a smaller internal result once per output element', async () => {
    const x = dmatrix('x');
    const row = tensor('float64', [1, null], 'r');
    const y = add(x, exp(neg(row)));
    const r = await checkRewrite({ inputs: [x, row], outputs: [y], args: [[m(), NDArray.from([[0.5, 1, 2]], 'float64')]], rewrite: 'elemwise_fusion' });
    const node = r.withRule.graph.nodes.find((n) => n.op.name === 'add')!;
    // exp(neg(row)) is fused on its own (row-shaped); the matrix add is a separate kernel
    expect(r.withRule.graph.nodes.length).toBe(2);
    expect(node.inputs[1]!.owner!.op).toBeInstanceOf(Composite);
  });

  it('broadcasts external inputs correctly inside a fused kernel', async () => {
    const x = dmatrix('x');
    const b = tensor('float64', [1, null], 'b');
    const c = tensor('float64', [null, 1], 'c');
    const y = relu(sub(mul(add(x, b), c), where(gt(x, 0), b, 2)));
    const r = await checkRewrite({ inputs: [x, b, c], outputs: [y], args: [[m(), NDArray.from([[1, 2, 3]], 'float64'), NDArray.from([[2], [-1]], 'float64')]], rewrite: 'elemwise_fusion' });
    expect(r.withRule.executable.kernelCount).toBe(1);
  });

  it('respects the input limit of one kernel', async () => {
    const xs = Array.from({ length: MAX_COMPOSITE_INPUTS + 3 }, (_, i) => dmatrix(`x${i}`));
    const y = xs.reduce((acc, v) => tanh(add(acc, v)));
    const args = xs.map((_, i) => m(2, 3, i));
    const r = await checkRewrite({ inputs: xs, outputs: [y], args: [args], rewrite: 'elemwise_fusion' });
    for (const n of r.withRule.graph.nodes) expect(n.inputs.length).toBeLessThanOrEqual(MAX_COMPOSITE_INPUTS);
    expect(r.withRule.executable.kernelCount).toBe(2);
  });

  it('repeats a result used twice inside a group, but not without bound', async () => {
    const x = dmatrix('x');
    const t = exp(x);
    const small = add(mul(t, t), t);
    const r = await checkRewrite({ inputs: [x], outputs: [small], args: [[m()]], rewrite: 'elemwise_fusion' });
    expect(r.withRule.executable.kernelCount).toBe(1);
    let z: Variable = x;
    for (let i = 0; i < 12; i++) z = mul(tanh(z), tanh(z));
    const deep = await checkRewrite({ inputs: [x], outputs: [z], args: [[m()]], rewrite: 'elemwise_fusion' });
    for (const n of deep.withRule.graph.nodes) {
      if (n.op instanceof Composite) expect(formulaSize(n.op.formula)).toBeLessThanOrEqual(MAX_FORMULA_SIZE);
    }
    expect(deep.withRule.executable.kernelCount).toBeGreaterThan(1);
  });

  it('float32 chains keep their dtype', async () => {
    const x = fmatrix('x');
    const y = sigmoid(mul(add(x, 1), x));
    const f = await compile({ inputs: [x], outputs: [y], backend: 'reference' });
    expect(f.graph.nodes.length).toBe(1);
    const [v] = await f(NDArray.from([[0.5, -1]], 'float32'));
    expect(v!.dtype).toBe('float32');
    expect(v!.data[0]).toBeCloseTo(1 / (1 + Math.exp(-0.75)), 6);
  });

  it('a fused output of dimshuffled operands keeps its shape', async () => {
    const v = tensor('float64', [null], 'v');
    const x = dmatrix('x');
    const y = exp(mul(x, dimshuffle(v, 'x', 0)));
    const r = await checkRewrite({ inputs: [x, v], outputs: [y], args: [[m(), NDArray.from([1, 2, 3], 'float64')]], rewrite: 'elemwise_fusion' });
    expect(r.withRule.graph.outputs[0]!.type.shape).toEqual([null, null]);
  });
});
