import { describe, expect, it } from 'vitest';
import { compile, constant, NDArray, tensor, imatrix } from '@hypatia/core';
import { mul, sum } from '@hypatia/ops';
import '@hypatia/backends';
import { EmbeddingLayer } from './embedding-layer.js';
import { finiteDifferenceError, randomArray } from './recurrent-testing.js';

describe('EmbeddingLayer', () => {
  for (const backend of ['reference', 'native']) {
    it(`${backend}: [time, batch] ids give [time, batch, dim], each position the id's row`, async () => {
      const layer = new EmbeddingLayer({ vocab: 7, dim: 3, seed: 1 });
      const ids = imatrix('ids');
      const f = await compile({ inputs: [ids], outputs: layer.apply(ids), backend });
      const idv = new NDArray('int32', [2, 3], Int32Array.from([6, 0, 3, 3, 1, 6]));
      const out = await f(idv);
      expect(out.shape).toEqual([2, 3, 3]);
      const w = layer.weight.get().data;
      idv.data.forEach((id, p) => [0, 1, 2].forEach((j) => expect(out.data[p * 3 + j]).toBe(w[id * 3 + j])));
    });

    it(`${backend}: the gradient adds into the rows of the ids read (repeated ids add up), matching finite differences`, async () => {
      const layer = new EmbeddingLayer({ vocab: 5, dim: 2, seed: 2, dtype: 'float64' });
      const ids = constant(new NDArray('int32', [2, 2], Int32Array.from([4, 1, 4, 0])));
      const cost = sum(mul(layer.apply(ids), constant(randomArray('float64', [2, 2, 2], 3))));
      expect(await finiteDifferenceError(cost, layer.params, backend, 10)).toBeLessThan(1e-6);
    });
  }

  it('refuses float ids and sizes that are not positive integers', () => {
    const layer = new EmbeddingLayer({ vocab: 3, dim: 2 });
    expect(() => layer.apply(tensor('float32', [null], 'ids'))).toThrow(/EmbeddingLayer: ids must be int32/);
    expect(() => new EmbeddingLayer({ vocab: 3, dim: 1.5 })).toThrow(/EmbeddingLayer: dim must be a positive integer, got 1.5/);
  });
});
