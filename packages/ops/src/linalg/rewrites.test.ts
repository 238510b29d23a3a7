import { describe, expect, it } from 'vitest';
import { NDArray, checkRewrite, mulberry32, tensor, type Op } from '@hypatia/core';
import '@hypatia/backends';
import { Dot } from './dot.js';
import { MatMul } from './matmul.js';
import { DimShuffle, dimshuffle, transpose } from '../shape/dimshuffle.js';
import './rewrites.js';

function rand(shape: number[], seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float64', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

const ops = (fn: { graph: { nodes: { op: Op }[] } }) => fn.graph.nodes.map((n) => n.op);

describe('product_absorbs_transpose', () => {
  it('turns dot(xᵀ, wᵀ) built by hand into one Dot reading both transposed', async () => {
    const x = tensor('float64', [null, null], 'x'), w = tensor('float64', [null, null], 'w');
    const out = new Dot().call(transpose(x), transpose(w));
    const r = await checkRewrite({
      inputs: [x, w], outputs: [out], rewrite: 'product_absorbs_transpose',
      args: [[rand([4, 3], 1), rand([2, 4], 2)], [rand([5, 2], 3), rand([6, 5], 4)]],
    });
    expect(r.fired).toBe(true);
    const after = ops(r.withRule);
    expect(after.filter((o) => o instanceof DimShuffle)).toHaveLength(0);
    expect(after.find((o) => o instanceof Dot)?.key()).toBe(new Dot(true, true).key());
  });

  it('flips a flag that is already set (a transposed read of a transpose is a plain read)', async () => {
    const x = tensor('float64', [null, null], 'x'), v = tensor('float64', [null], 'v');
    const out = new Dot(true, false).call(transpose(x), v);
    const r = await checkRewrite({ inputs: [x, v], outputs: [out], rewrite: 'product_absorbs_transpose', args: [[rand([3, 4], 5), rand([4], 6)]] });
    expect(r.fired).toBe(true);
    expect(ops(r.withRule).find((o) => o instanceof Dot)?.key()).toBe(new Dot(false, false).key());
  });

  it('absorbs a swap of the last two axes into a batched MatMul, not other permutations', async () => {
    const x = tensor('float64', [null, null, null], 'x'), y = tensor('float64', [null, null, null], 'y');
    const out = new MatMul().call(dimshuffle(x, 0, 2, 1), y);
    const r = await checkRewrite({ inputs: [x, y], outputs: [out], rewrite: 'product_absorbs_transpose', args: [[rand([2, 4, 3], 7), rand([2, 4, 5], 8)]] });
    expect(r.fired).toBe(true);
    expect(ops(r.withRule).find((o) => o instanceof MatMul)?.key()).toBe(new MatMul(true, false).key());

    const z = tensor('float64', [null, null, null], 'z');
    const other = new MatMul().call(dimshuffle(z, 1, 0, 2), y);
    const s = await checkRewrite({ inputs: [z, y], outputs: [other], rewrite: 'product_absorbs_transpose', args: [[rand([2, 2, 4], 9), rand([2, 4, 5], 10)]] });
    expect(s.fired).toBe(false);
  });
});
