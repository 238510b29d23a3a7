import { describe, expect, it } from 'vitest';
import { compile, NDArray, tensor } from '@hypatia/core';
import '@hypatia/backends';
import { ConvPoolLayer, DenseLayer, FullyConnectedLayer, SigmoidOutputLayer, SoftmaxLayer, relu } from '@hypatia/nn';

function stats(a: NDArray): { mean: number; std: number } {
  let s = 0;
  for (const v of a.data) s += v;
  const mean = s / a.size;
  let q = 0;
  for (const v of a.data) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / a.size) };
}

describe('layer initialisation (network3)', () => {
  it('FullyConnectedLayer: w ~ N(0, 1/nOut), b ~ N(0, 1), reproducible from the seed', () => {
    const l = new FullyConnectedLayer({ nIn: 400, nOut: 100, seed: 7 });
    expect(l.w.get().shape).toEqual([400, 100]);
    expect(l.w.get().dtype).toBe('float32');
    const w = stats(l.w.get());
    expect(Math.abs(w.mean)).toBeLessThan(0.005);
    expect(w.std).toBeCloseTo(Math.sqrt(1 / 100), 2);
    const b = stats(l.b.get());
    expect(l.b.get().shape).toEqual([100]);
    expect(b.std).toBeGreaterThan(0.8);
    expect(b.std).toBeLessThan(1.2);
    const again = new FullyConnectedLayer({ nIn: 400, nOut: 100, seed: 7 });
    expect(Array.from(again.w.get().data)).toEqual(Array.from(l.w.get().data));
    const other = new FullyConnectedLayer({ nIn: 400, nOut: 100, seed: 8 });
    expect(other.w.get().data[0]).not.toBe(l.w.get().data[0]);
  });

  it('ConvPoolLayer: w ~ N(0, 1/(filters * filter area / pool area)), b ~ N(0, 1)', () => {
    const l = new ConvPoolLayer({ filterShape: [40, 20, 5, 5], imageShape: [10, 20, 12, 12], seed: 3 });
    expect(l.w.get().shape).toEqual([40, 20, 5, 5]);
    expect(l.b.get().shape).toEqual([40]);
    expect(stats(l.w.get()).std).toBeCloseTo(Math.sqrt(1 / (40 * 25 / 4)), 2);
    expect(l.outputShape).toEqual([40, 4, 4]);
  });

  it('the dense layers share one base: weights, decayed weights, shapes and saved options', () => {
    const layers = [new FullyConnectedLayer({ nIn: 5, nOut: 4, pDropout: 0.1, seed: 1 }), new SoftmaxLayer({ nIn: 5, nOut: 4, seed: 2 }), new SigmoidOutputLayer({ nIn: 5, nOut: 4, pDropout: 0.2, seed: 3 })];
    for (const l of layers) {
      expect(l).toBeInstanceOf(DenseLayer);
      expect(l.params).toEqual([l.w, l.b]);
      expect(l.weights).toEqual([l.w]);
      expect([l.inputShape, l.outputShape, l.w.get().shape, l.b.get().shape]).toEqual([[5], [4], [5, 4], [4]]);
      expect(l.config()).toMatchObject({ nIn: 5, nOut: 4, pDropout: l.pDropout, seed: l.seed });
    }
    expect(() => layers[0]!.output).toThrow(/FullyConnectedLayer: output is not built yet/);
  });

  it('SoftmaxLayer starts at zero', () => {
    const l = new SoftmaxLayer({ nIn: 30, nOut: 10 });
    expect(l.w.get().data.every((v) => v === 0)).toBe(true);
    expect(l.b.get().data.every((v) => v === 0)).toBe(true);
  });

  it('rejects bad sizes with the layer name', () => {
    expect(() => new FullyConnectedLayer({ nIn: 0, nOut: 3 })).toThrow(/FullyConnectedLayer: nIn must be a positive integer/);
    expect(() => new SoftmaxLayer({ nIn: 3, nOut: 3, pDropout: 1 })).toThrow(/SoftmaxLayer: pDropout/);
    expect(() => new SigmoidOutputLayer({ nIn: 3, nOut: 1.5 })).toThrow(/SigmoidOutputLayer: nOut must be a positive integer, got 1.5/);
    expect(() => new ConvPoolLayer({ filterShape: [4, 2, 5, 5], imageShape: [1, 1, 28, 28] })).toThrow(/2 input feature maps but imageShape has 1/);
  });

  it('builds outputs of the right shapes, with and without dropout', async () => {
    const conv = new ConvPoolLayer({ filterShape: [2, 1, 3, 3], imageShape: [4, 1, 8, 8], activation: relu, seed: 1 });
    const fc = new FullyConnectedLayer({ nIn: 2 * 3 * 3, nOut: 5, pDropout: 0.5, seed: 2 });
    const x = tensor('float32', [null, 64], 'x');
    conv.setInput(x);
    fc.setInput(conv.output, conv.outputDropout);
    expect(conv.outputDropout).toBe(conv.output);
    const f = await compile({ inputs: [x], outputs: [conv.output, fc.output, fc.outputDropout], backend: 'reference' });
    const input = NDArray.zeros('float32', [4, 64]);
    for (let i = 0; i < input.size; i++) input.data[i] = (i % 7) / 7;
    const [c, o, od] = await f(input);
    expect(c!.shape).toEqual([4, 2, 3, 3]);
    expect(o!.shape).toEqual([4, 5]);
    expect(od!.shape).toEqual([4, 5]);
    // Dropout makes the training output differ from the scaled inference output.
    expect(Array.from(od!.data)).not.toEqual(Array.from(o!.data));
  });
});
