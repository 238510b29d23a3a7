import { describe, expect, it } from 'vitest';
import { NDArray, shared, type SharedVariable, type Variable } from '@hypatia/core';
import { add, dot, reshape } from '@hypatia/ops';
import '@hypatia/backends';
import { FullyConnectedLayer, Network, SoftmaxLayer, relu, tanh, type Layer } from '@hypatia/nn';

/** A tiny separable problem: the class is which of the first three features is largest. */
function toyData(n: number, seed: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const x = NDArray.zeros('float32', [n, 6]);
  const y = NDArray.zeros('int32', [n]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 6; j++) x.data[i * 6 + j] = rnd();
    const f = [0, 1, 2].map((j) => x.data[i * 6 + j]!);
    y.data[i] = f.indexOf(Math.max(...f));
  }
  return { x, y };
}

/** A user-written layer: an affine map followed by tanh, with no dropout. */
class AffineTanh implements Layer {
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  private out?: Variable;
  constructor(readonly nIn: number, readonly nOut: number) {
    const w = NDArray.zeros('float32', [nIn, nOut]);
    for (let i = 0; i < w.size; i++) w.data[i] = Math.sin(i + 1) * 0.5;
    this.w = shared(w, { name: 'w' });
    this.b = shared(NDArray.zeros('float32', [nOut]), { name: 'b' });
  }
  get params() { return [this.w, this.b]; }
  get weights() { return [this.w]; }
  setInput(input: Variable): void {
    this.out = tanh(add(dot(reshape(input, [-1, this.nIn]), this.w), this.b));
  }
  get output() { return this.out!; }
  get outputDropout() { return this.out!; }
}

describe('Network', () => {
  const train = toyData(600, 1);
  const valid = toyData(200, 2);
  const test = toyData(200, 3);

  it('trains with SGD, reports each epoch and improves', async () => {
    const net = new Network([new FullyConnectedLayer({ nIn: 6, nOut: 20, activation: relu, seed: 5 }), new SoftmaxLayer({ nIn: 20, nOut: 3 })], 10);
    const reports: number[] = [];
    const before = await net.accuracy(valid, { backend: 'reference' });
    const h = await net.sgd(train, 6, 10, 1, valid, test, { backend: 'reference', lmbda: 0.1, onEpoch: (r) => reports.push(r.cost) });
    expect(reports).toHaveLength(6);
    expect(h.epochs).toHaveLength(6);
    expect(reports[5]!).toBeLessThan(reports[0]!);
    // Well above chance (1/3) and above the untrained network.
    expect(h.bestValidationAccuracy!).toBeGreaterThan(Math.max(before + 0.1, 0.6));
    expect(h.testAccuracy!).toBeGreaterThan(0.6);
    expect(h.epochs[0]!.examplesPerSecond).toBeGreaterThan(0);
    const p = await net.predict(test.x);
    expect(p.dtype).toBe('int32');
    expect(p.shape).toEqual([200]);
    let agree = 0;
    for (let i = 0; i < 200; i++) agree += p.data[i] === test.y.data[i] ? 1 : 0;
    expect(agree / 200).toBeCloseTo(await net.accuracy(test), 6);
    // In chunks (with a ragged last one) the predictions are the same.
    expect(Array.from((await net.predict(test.x, { batchSize: 64 })).data)).toEqual(Array.from(p.data));
  });

  it('trains a user-defined layer', async () => {
    const custom = new AffineTanh(6, 8);
    const before = custom.w.get().copy();
    const net = new Network([custom, new SoftmaxLayer({ nIn: 8, nOut: 3 })], 10);
    const h = await net.sgd(train, 3, 10, 0.5, valid, null, { backend: 'reference' });
    expect(custom.w.get().data[0]).not.toBe(before.data[0]);
    expect(h.bestValidationAccuracy!).toBeGreaterThan(0.6);
  });

  it('checks its arguments', async () => {
    expect(() => new Network([new FullyConnectedLayer({ nIn: 6, nOut: 3 })], 10)).toThrow(/last layer must be an output layer/);
    const net = new Network([new SoftmaxLayer({ nIn: 6, nOut: 3 })], 10);
    await expect(net.sgd(train, 1, 5, 0.1)).rejects.toThrow(/miniBatchSize 5 differs/);
    await expect(net.sgd({ x: train.x, y: valid.y }, 1, 10, 0.1)).rejects.toThrow(/same n/);
  });
});
