import { describe, expect, it } from 'vitest';
import { compile, NDArray, tensor4, matrix } from '@hypatia/core';
import '@hypatia/backends';
import { BatchNormLayer } from './batch-norm.js';
import { Rng } from '../init/rng.js';

function data(shape: number[], shift: number, scale: number, seed = 1): NDArray {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new NDArray('float32', shape, Float32Array.from({ length: n }, () => shift + scale * rng.normal()));
}

function stats(a: NDArray, col: number, cols: number): [number, number] {
  const v = [...a.data].filter((_, i) => i % cols === col);
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  return [m, v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length];
}

describe('BatchNormLayer', () => {
  it('training mode normalises each feature with the batch statistics; running averages follow them; inference uses them', async () => {
    const bn = new BatchNormLayer({ features: 3, momentum: 0.5 });
    const x = matrix('x');
    bn.setInput(x, x);
    const train = await compile({ backend: 'reference', inputs: [x], outputs: bn.outputDropout, updates: bn.stateUpdates() });
    const infer = await compile({ backend: 'reference', inputs: [x], outputs: bn.output });
    const batch = data([64, 3], 5, 3);
    const y = await train(batch);
    for (let c = 0; c < 3; c++) {
      const [m, v] = stats(y, c, 3);
      expect(Math.abs(m)).toBeLessThan(1e-4);
      expect(v).toBeCloseTo(1, 2);
    }
    const [bm, bv] = stats(batch, 0, 3);
    expect(bn.runningMean.get().data[0]).toBeCloseTo(0.5 * bm, 4);
    expect(bn.runningVar.get().data[0]).toBeCloseTo(0.5 + 0.5 * bv, 3);
    // Inference: (x - running mean) / sqrt(running var + eps), independent of the batch.
    const one = new NDArray('float32', [1, 3], Float32Array.from([1, 2, 3]));
    const out = await infer(one);
    const rm = bn.runningMean.get().data; const rv = bn.runningVar.get().data;
    [0, 1, 2].forEach((c) => expect(out.data[c]).toBeCloseTo((one.data[c]! - rm[c]!) / Math.sqrt(rv[c]! + 1e-5), 4));
  });

  it('conv mode normalises each feature map over the batch and both spatial axes', async () => {
    const bn = new BatchNormLayer({ features: 2, conv: true });
    const x = tensor4('x');
    bn.setInput(x, x);
    const f = await compile({ backend: 'reference', inputs: [x], outputs: bn.outputDropout });
    const y = await f(data([4, 2, 3, 3], -2, 0.5));
    for (let c = 0; c < 2; c++) {
      const v = [...y.data].filter((_, i) => Math.floor(i / 9) % 2 === c);
      const m = v.reduce((s, q) => s + q, 0) / v.length;
      expect(Math.abs(m)).toBeLessThan(1e-4);
      expect(v.reduce((s, q) => s + (q - m) ** 2, 0) / v.length).toBeCloseTo(1, 2);
    }
    expect(() => new BatchNormLayer({ features: 0 })).toThrow(/features/);
  });
});
