import { describe, expect, it } from 'vitest';
import { compile, dmatrix, Elemwise, HypatiaError, registerRewrite, S } from '@hypatia/core';
import { exp } from '@hypatia/ops';
import '@hypatia/backends';

// An op only these tests use, so the faulty rules below never meet another test's graph.
const marked = new Elemwise({ name: 'rule_error_marker', arity: 1, formula: ([x]) => S.neg(x!) });

registerRewrite({
  kind: 'local', name: 'test_local_that_throws', phase: 'canonicalize', tracks: [marked],
  apply() {
    throw new Error('this rule is broken');
  },
});

registerRewrite({
  kind: 'global', name: 'test_global_that_throws', phase: 'stabilize',
  run(fg) {
    if (fg.nodes.some((n) => n.op === marked)) throw new TypeError('this pass is broken');
  },
});

describe('a failing rewrite', () => {
  it('surfaces with the rule\'s name', async () => {
    const x = dmatrix('x');
    const y = exp(marked.call(x));
    await expect(compile({ inputs: [x], outputs: [y], backend: 'reference' })).rejects.toThrow(/rewrite test_local_that_throws: this rule is broken/);
    await expect(compile({ inputs: [x], outputs: [y], backend: 'reference' })).rejects.toBeInstanceOf(HypatiaError);
    await expect(compile({ inputs: [x], outputs: [y], backend: 'reference', rewrites: { exclude: ['test_local_that_throws'] } }))
      .rejects.toThrow(/rewrite test_global_that_throws: this pass is broken/);
  });

  it('can be left out by name', async () => {
    const x = dmatrix('x');
    const f = await compile({ inputs: [x], outputs: [exp(marked.call(x))], backend: 'reference', rewrites: { exclude: ['test_local_that_throws', 'test_global_that_throws'] } });
    const [v] = await f([[0, 1]]);
    expect(v!.data[1]).toBeCloseTo(Math.exp(-1), 12);
  });
});
