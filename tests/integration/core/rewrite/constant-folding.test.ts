import { describe, expect, it } from 'vitest';
import { checkRewrite, compile, Constant, constant, dmatrix, NDArray, Op, tensor, TensorType, MAX_FOLDED_ELEMENTS } from '@hypatia/core';
import { add, exp, mul, reshape, sum, dimshuffle } from '@hypatia/ops';
import '@hypatia/backends';

const m = () => NDArray.from([[0.1, -0.2, 0.3], [0.5, -0.6, 0.7]], 'float64');

describe('constant_folding', () => {
  it('evaluates constant subgraphs at compile time', async () => {
    const x = dmatrix('x');
    const k = exp(add(constant([1, 2, 3], 'float64'), constant(1, 'float64')));
    const y = mul(x, sum(dimshuffle(k, 'x', 0)));
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[m()]], rewrite: 'constant_folding' });
    expect(r.fired).toBe(true);
    const names = r.withRule.graph.nodes.map((n) => n.op.name);
    expect(names).toEqual(['mul']);
    const c = r.withRule.graph.nodes[0]!.inputs[1]!;
    expect(c).toBeInstanceOf(Constant);
    expect((c as Constant).value.item()).toBeCloseTo(Math.exp(2) + Math.exp(3) + Math.exp(4), 10);
  });

  it('folds a whole constant output', async () => {
    const x = dmatrix('x');
    const r = await checkRewrite({ inputs: [x], outputs: [x, reshape(constant([1, 2, 3, 4], 'float64'), [2, 2])], args: [[m()]], rewrite: 'constant_folding' });
    expect(r.withRule.graph.nodes.length).toBe(0);
    const [, c] = await r.withRule(m());
    expect(c!.shape).toEqual([2, 2]);
  });

  it('does not bake in results over the size cap', async () => {
    const x = dmatrix('x');
    const n = MAX_FOLDED_ELEMENTS + 1;
    const big = constant(NDArray.from(new Float64Array(n).fill(0.5), 'float64'));
    const y = mul(x, sum(exp(big)));
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[m()]], rewrite: 'constant_folding' });
    // exp of the big constant stays; the sum of it is not constant-input, so nothing folds
    expect(r.fired).toBe(false);
  });

  it('does not make an axis broadcastable that the type says is not', async () => {
    // A node typed [?] whose value has one element: as a constant it would be typed [1] and stretch.
    const x = tensor('float64', [null], 'x');
    const y = add(x, new UnknownLength().call(constant([5], 'float64')));
    const r = await checkRewrite({ inputs: [x], outputs: [y], args: [[NDArray.from([1], 'float64')]], rewrite: 'constant_folding' });
    expect(r.fired).toBe(false);
    await expect(r.withRule(NDArray.from([1, 2], 'float64'))).rejects.toThrow(/broadcastable/);
  });

  it('leaves impure ops alone', async () => {
    const y = new Counter().call(constant([1, 2], 'float64'));
    const f = await compile({ inputs: [], outputs: [add(y, y), add(new Counter().call(constant([1, 2], 'float64')), 0)], backend: 'reference' });
    expect(f.graph.nodes.filter((n) => n.op.name === 'counter').length).toBe(2);
    const [a, b] = await f();
    expect(Array.from(a!.data)).toEqual([2, 4].map((v) => v + 2));
    expect(Array.from(b!.data)).toEqual([2, 3]);
  });

  it('folds a graph with no inputs completely', async () => {
    const y = add(constant([1, 2], 'float64'), constant([3, 4], 'float64'));
    const f = await compile({ inputs: [], outputs: [y], backend: 'reference' });
    expect(f.graph.nodes.length).toBe(0);
    expect(Array.from((await f())[0]!.data)).toEqual([4, 6]);
  });
});

/** Forgets the static length of a vector (as ops with run-time shapes do). */
class UnknownLength extends Op {
  readonly name = 'unknown_length';
  inferTypes([t]: readonly TensorType[]): TensorType[] { return [new TensorType(t!.dtype, [null])]; }
  perform([a]: readonly NDArray[]): NDArray[] { return [a!.copy()]; }
}

/** Adds a call count to its input: a stateful op, which must run on every call. */
class Counter extends Op {
  readonly name = 'counter';
  private calls = 0;
  override get pure(): boolean { return false; }
  inferTypes([t]: readonly TensorType[]): TensorType[] { return [t!]; }
  perform([a]: readonly NDArray[]): NDArray[] {
    this.calls++;
    const out = a!.copy();
    for (let i = 0; i < out.size; i++) out.data[i]! += this.calls;
    return [out];
  }
}
