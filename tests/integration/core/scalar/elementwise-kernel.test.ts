import { describe, expect, it } from 'vitest';
import { Composite, compile, constant, dvector, NDArray, type CompiledFunction } from '@hypatia/core';
import { exp, mul, secondOp } from '@hypatia/ops';
import '@hypatia/backends';

/** The one node of a compiled function, which must be a Composite. */
function composite(f: CompiledFunction<NDArray>): Composite {
  expect(f.graph.nodes.length).toBe(1);
  const op = f.graph.nodes[0]!.op;
  expect(op).toBeInstanceOf(Composite);
  return op as Composite;
}

describe("the reference backend's elementwise kernels", () => {
  it('a fused formula that ignores an operand and an equal one over fewer operands each get a kernel of their own', async () => {
    const [u, x] = [dvector('u'), dvector('x')];
    // second(x, 2) fused leaves x in the formula's operands only for its shape.
    const withShapeOperand = await compile({ inputs: [u, x], outputs: mul(exp(u), secondOp.call(x, constant(2, 'float64'))), backend: 'reference' });
    const alone = await compile({ inputs: [u], outputs: mul(exp(u), 2), backend: 'reference' });
    const [a, b] = [composite(withShapeOperand), composite(alone)];
    expect(a.describeFormula()).toBe(b.describeFormula());
    expect([a.inputDtypes.length, b.inputDtypes.length]).toEqual([2, 1]);
    expect(withShapeOperand.executable.describe()).toContain('composite{second,exp,mul}(float64[?], float64[?])');
    expect(alone.executable.describe()).toContain('composite{exp,mul}(float64[?])');

    const uv = NDArray.from([0, 1, -2], 'float64');
    const expected = [0, 1, -2].map((v) => Math.exp(v) * 2);
    // The two-operand kernel is compiled first: the one-operand formula must not run it.
    expect(Array.from((await withShapeOperand(uv, NDArray.from([5, 6, 7], 'float64'))).data)).toEqual(expected);
    expect(Array.from((await alone(uv)).data)).toEqual(expected);
  });
});
