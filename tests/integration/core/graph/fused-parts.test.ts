import { describe, expect, it } from 'vitest';
import { blameFusedPart, compile, Composite, embedParts, fvector, input, partsOfNode, S, type FusedPart } from '@hypatia/core';
import '@hypatia/backends';
import { add, exp, mul } from '@hypatia/ops';

const x = fvector('x'), y = fvector('y'), z = fvector('z');
const sum = add(x, y);
const scaled = mul(exp(sum), z);

/** The parts of `scaled` as fusion writes them: add over inputs 0 and 1, exp, mul with input 2. */
const parts: FusedPart[] = [
  { op: 'add', site: sum.site, operands: [{ from: { input: 0 }, type: x.type }, { from: { input: 1 }, type: y.type }] },
  { op: 'exp', site: scaled.owner!.inputs[0]!.site, operands: [{ from: { part: 0 }, type: sum.type }] },
  { op: 'mul', site: scaled.site, operands: [{ from: { part: 1 }, type: sum.type }, { from: { input: 2 }, type: z.type }] },
];

describe('blameFusedPart', () => {
  it('names the first part whose operands do not broadcast, with their shapes and its line', () => {
    const e = blameFusedPart(parts, [[3], [4], [3]])!;
    expect([e.op, e.detail, e.site]).toEqual(['add', 'at run time: shapes [3] and [4] do not broadcast (dimension 0: 3 vs 4)', sum.site]);
  });

  it('follows results from part to part', () => {
    const e = blameFusedPart(parts, [[3], [3], [5]])!;
    expect([e.op, e.detail, e.site]).toEqual(['mul', 'at run time: shapes [3] and [5] do not broadcast (dimension 0: 3 vs 5)', scaled.site]);
  });

  it("applies Theano's rule to each part's declared operand types", () => {
    const e = blameFusedPart(parts, [[1], [3], [3]])!;
    expect(e.op).toBe('add');
    expect(e.detail).toMatch(/operand 0 has length 1 on axis 0 where the result has 3, but its type float32\[\?\] does not declare/);
  });

  it('is null when every part broadcasts, or when there are no parts', () => {
    expect(blameFusedPart(parts, [[3], [3], [3]])).toBeNull();
    expect(blameFusedPart(undefined, [[3], [4]])).toBeNull();
  });
});

describe('partsOfNode and embedParts', () => {
  it('an unfused node is its own part over its operands', () => {
    expect(partsOfNode(sum.owner!)).toEqual([{ op: 'add', site: sum.site, operands: [{ from: { input: 0 }, type: x.type }, { from: { input: 1 }, type: y.type }] }]);
  });

  it("a fused node's parts, embedded in a larger group, read that group's sources", () => {
    const formula = S.mul(S.exp(S.add(input(0, 'float32'), input(1, 'float32'))), input(2, 'float32'));
    const fused = new Composite(formula, ['float32', 'float32', 'float32'], ['add', 'exp', 'mul'], parts).apply([x, y, z]);
    const moved = embedParts(fused, [{ part: 0 }, { literal: true }, { input: 5 }], 1);
    expect(moved.map((p) => [p.op, p.operands.map((o) => o.from)])).toEqual([
      ['add', [{ part: 0 }, { literal: true }]],
      ['exp', [{ part: 1 }]],
      ['mul', [{ part: 2 }, { input: 5 }]],
    ]);
    expect(moved.map((p) => p.site)).toEqual(parts.map((p) => p.site));
  });
});

describe('elemwise_fusion', () => {
  it("lists the group's nodes as the composite's parts, in evaluation order, each with its line", async () => {
    const doubled = mul(scaled, 2);
    const f = await compile({ inputs: [x, y, z], outputs: doubled, backend: 'reference' });
    const [node] = f.graph.nodes;
    expect(node!.op).toBeInstanceOf(Composite);
    expect(node!.op.fusedParts!.map((p) => [p.op, p.site, p.operands.map((o) => o.from)])).toEqual([
      ['add', sum.site, [{ input: 0 }, { input: 1 }]],
      ['exp', scaled.owner!.inputs[0]!.site, [{ part: 0 }]],
      ['mul', scaled.site, [{ part: 1 }, { input: 2 }]],
      ['mul', doubled.site, [{ part: 2 }, { literal: true }]],
    ]);
    expect(node!.inputs).toEqual([x, y, z]);
  });
});
