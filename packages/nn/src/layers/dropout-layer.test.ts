import { describe, expect, it } from 'vitest';
import { compile, matrix, NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { dot } from '@hypatia/ops';
import { DropoutLayer, dropout } from './dropout-layer.js';
import { FullyConnectedLayer } from './fully-connected.js';
import { linear } from './activations.js';

describe('dropout', () => {
  const ones = NDArray.from(Array.from({ length: 200 }, () => Array(100).fill(1)), 'float32');

  it('inverted (default) scales at training time: the expected activation is preserved, inference is the identity', async () => {
    const d = new DropoutLayer({ keep: 0.8, seed: 3 });
    const x = matrix('x');
    d.setInput(x, x);
    const f = await compile({ backend: 'reference', inputs: [x], outputs: [d.output, d.outputDropout] });
    const [inf, tr] = await f(ones);
    expect([...inf!.data].every((v) => v === 1)).toBe(true);
    const vals = new Set([...tr!.data].map((v) => +v.toFixed(5)));
    expect([...vals].sort()).toEqual([0, 1.25]);
    const mean = [...tr!.data].reduce((a, b) => a + b, 0) / tr!.size;
    expect(mean).toBeGreaterThan(0.97);
    expect(mean).toBeLessThan(1.03);
  });

  it('network3 mode drops without scaling and multiplies by keep at test time; layers take their own keep', async () => {
    const d = new DropoutLayer({ keep: 0.5, mode: 'network3', seed: 4 });
    const x = matrix('x');
    d.setInput(x, x);
    const f = await compile({ backend: 'reference', inputs: [x], outputs: [d.output, d.outputDropout] });
    const [inf, tr] = await f(ones);
    expect([...inf!.data].every((v) => v === 0.5)).toBe(true);
    const mean = [...tr!.data].reduce((a, b) => a + b, 0) / tr!.size;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
    expect(() => new DropoutLayer({ keep: 0 })).toThrow(/keep/);
  });
});

describe('one dropout for the dense layers and the dropout layer', () => {
  it('a dense layer\'s pDropout is a network3-mode DropoutLayer on its input, seeded by the layer; inference scales the weighted input by keep', async () => {
    const fc = new FullyConnectedLayer({ nIn: 6, nOut: 4, activation: linear, pDropout: 0.25, seed: 9 });
    const x = matrix('x');
    fc.setInput(x, x);
    const masked = new DropoutLayer({ keep: 0.75, mode: 'network3', seed: 9 }).training(x);
    const f = await compile({ backend: 'reference', inputs: [x], outputs: [fc.outputDropout, dot(masked, fc.w), fc.output, dot(x, fc.w), dropout(x, 0.25, 9), masked] });
    const input = NDArray.from(Array.from({ length: 8 }, (_, i) => Array.from({ length: 6 }, (_, j) => 1 + i + j / 10)), 'float32');
    const [training, byHand, inference, plain, fn, layer] = await f(input);
    const b = [...fc.b.get().data];
    const near = (got: NDArray, want: number[]) => got.data.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 5));
    near(training!, [...byHand!.data].map((v, k) => v + b[k % 4]!));
    near(inference!, [...plain!.data].map((v, k) => 0.75 * v + b[k % 4]!));
    // Some units were dropped: the training path differs from the undropped product.
    expect([...byHand!.data]).not.toEqual([...plain!.data]);
    // network3's dropout function is the same mask.
    expect([...fn!.data]).toEqual([...layer!.data]);
    expect(new Set([...layer!.data].map((v, k) => v === 0 || v === input.data[k]))).toEqual(new Set([true]));
  });

  it('rejects an unknown mode', () => {
    expect(() => new DropoutLayer({ keep: 0.5, mode: 'scaled' as 'inverted' })).toThrow(/DropoutLayer: mode must be 'inverted' or 'network3', got 'scaled'/);
  });
});
