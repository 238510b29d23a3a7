import { describe, expect, it } from 'vitest';
import { compile, Fused, grad, ivector, matrix, NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { SoftmaxLayer } from '@hypatia/nn';

describe('SoftmaxLayer cost (network3)', () => {
  for (const backend of ['reference', 'native']) {
    it(`compiles to the fused cross-entropy ops, with no log of a softmax left, and is exact at saturated logits (${backend})`, async () => {
      const layer = new SoftmaxLayer({ nIn: 2, nOut: 3, seed: 1 });
      const x = matrix('x');
      const y = ivector('y');
      layer.setInput(x, x);
      const cost = layer.cost(y);
      const fn = await compile({ inputs: [x, y], outputs: [cost, ...grad(cost, layer.params)], backend });
      // A Fused node computes its consumer with elementwise producers inlined: their ops count too.
      const ops = fn.graph.nodes.flatMap((n) => (n.op instanceof Fused ? [n.op.consumer.name, ...n.op.producers.flatMap((p) => p?.fusedOps ?? [])] : [n.op.name]));
      expect(ops).toContain('softmax_crossentropy_with_labels');
      expect(ops).toContain('softmax_crossentropy_grad');
      for (const unstable of ['log', 'log_softmax', 'softmax', 'softmax_grad']) expect(ops, unstable).not.toContain(unstable);
      // Nor folded into a fused kernel.
      expect(fn.graph.nodes.map((n) => n.op.key()).filter((k) => /\blog\b/.test(k))).toEqual([]);

      // Logits ±1000: rows [1000, -1000, 0] and [-1000, 1000, 0], each labelled with a class it gives e^-1000.
      layer.w.set(NDArray.from([[1000, -1000, 0], [-1000, 1000, 0]], 'float32'));
      const [c, gw, gb] = await fn(NDArray.from([[1, 0], [0, 1]], 'float32'), NDArray.from([1, 2], 'int32'));
      expect(c!.item()).toBeCloseTo((2000 + 1000) / 2, 3);
      // (softmax(z) - onehot(y)) / n per row: [1, -1, 0] / 2 and [0, 1, -1] / 2.
      expect(Array.from(gb!.data)).toEqual([0.5, 0, -0.5]);
      expect(Array.from(gw!.data)).toEqual([0.5, -0.5, 0, 0, 0.5, -0.5]);
    });
  }
});
