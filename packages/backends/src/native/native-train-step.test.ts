import { describe, expect, it } from 'vitest';
import { NDArray, SharedVariable, compile, grad, iscalar, shared, toposort, type Variable } from '@hypatia/core';
import { RandomOp, add, mul, sliceAxis } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { ConvPoolLayer, DropoutLayer, FullyConnectedLayer, Network, SoftmaxLayer, sgdRule, type Layer } from '@hypatia/nn';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

const mb = 2;
const nets: Record<string, () => Layer[]> = {
  shallow: () => [new FullyConnectedLayer({ nIn: 784, nOut: 30, seed: 1 }), new SoftmaxLayer({ nIn: 30, nOut: 10, seed: 2 })],
  conv: () => [
    new ConvPoolLayer({ imageShape: [mb, 1, 28, 28], filterShape: [4, 1, 5, 5], poolSize: [2, 2], seed: 1 }),
    new FullyConnectedLayer({ nIn: 4 * 12 * 12, nOut: 20, seed: 2 }), new SoftmaxLayer({ nIn: 20, nOut: 10, seed: 3 }),
  ],
};

/** network3's SGD step (as Network.sgd builds it): mini-batch slices of shared data through givens, the log-likelihood cost, SGD updates. */
async function trainSteps(name: string, backend: 'reference' | 'native', steps: number): Promise<{ costs: number[]; params: NDArray[]; described: string }> {
  const net = new Network(nets[name]!(), mb);
  const cost = (net as unknown as { last: { cost(y: Variable): Variable } }).last.cost(net.y);
  const x = NDArray.zeros('float32', [mb * steps, 784]);
  for (let i = 0; i < x.size; i++) x.data[i] = (Math.sin(i * 0.37) + 1) / 2;
  const y = NDArray.from(Array.from({ length: mb * steps }, (_, i) => (i * 7) % 10), 'int32');
  const tx = shared(x);
  const ty = shared(y);
  const i = iscalar('i');
  const f = await compile({
    inputs: [i], outputs: cost, updates: sgdRule(0.5).updates(net.params, grad(cost, net.params)),
    givens: [[net.x, sliceAxis(tx, 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(ty, 0, mul(i, mb), mul(add(i, 1), mb))]],
    ...(backend === 'native' ? { backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } } : { backend: new ReferenceBackend() }),
  });
  const costs: number[] = [];
  for (let b = 0; b < steps; b++) costs.push((await f.run([b]))[0]!.data[0]!);
  return { costs, params: net.params.map((p) => p.get()), described: f.executable.describe() };
}

describe('network3 training steps on the native backend', () => {
  for (const name of Object.keys(nets)) {
    it(`${name}: no host ops, and the reference's costs and weights`, async () => {
      const want = await trainSteps(name, 'reference', 3);
      const got = await trainSteps(name, 'native', 3);
      expect(got.described).not.toMatch(/host op/);
      expect(got.costs.map((c, k) => Math.abs(c - want.costs[k]!) < 1e-5)).toEqual(got.costs.map(() => true));
      const failures = got.params.map((p, k) => compareArrays(want.params[k]!, p, 1e-5, 1e-5)).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});

/**
 * network3's dropout experiment: fully connected layers with pDropout and a DropoutLayer. The
 * training step also returns its dropout masks (the random ops' samples), so they can be compared
 * with the reference's, bit for bit, along with the random streams' states after every step.
 */
async function dropoutSteps(backend: 'reference' | 'native', steps: number) {
  const net = new Network([
    new FullyConnectedLayer({ nIn: 784, nOut: 30, pDropout: 0.5, seed: 1 }), new DropoutLayer({ keep: 0.8, seed: 4 }),
    new FullyConnectedLayer({ nIn: 30, nOut: 20, pDropout: 0.2, seed: 2 }), new SoftmaxLayer({ nIn: 20, nOut: 10, pDropout: 0.5, seed: 3 }),
  ], mb);
  const cost = (net as unknown as { last: { cost(y: Variable): Variable } }).last.cost(net.y);
  const draws = toposort([cost]).filter((n) => n.op instanceof RandomOp);
  const masks = draws.map((n) => n.outputs[1]!);
  const states = draws.map((n) => n.inputs[0]! as SharedVariable);
  const x = NDArray.zeros('float32', [mb * steps, 784]);
  for (let i = 0; i < x.size; i++) x.data[i] = (Math.cos(i * 0.11) + 1) / 2;
  const tx = shared(x);
  const ty = shared(NDArray.from(Array.from({ length: mb * steps }, (_, i) => (i * 3) % 10), 'int32'));
  const i = iscalar('i');
  const f = await compile({
    inputs: [i], outputs: [cost, ...masks], updates: sgdRule(0.5).updates(net.params, grad(cost, net.params)),
    givens: [[net.x, sliceAxis(tx, 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(ty, 0, mul(i, mb), mul(add(i, 1), mb))]],
    ...(backend === 'native' ? { backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } } : { backend: new ReferenceBackend() }),
  });
  const costs: number[] = [];
  const drawn: NDArray[][] = [];
  const stateWords: number[][][] = [];
  for (let b = 0; b < steps; b++) {
    const [c, ...m] = await f.run([b]);
    costs.push(c!.data[0]!);
    drawn.push(m);
    stateWords.push(states.map((s) => Array.from(s.get().data)));
  }
  return { costs, drawn, stateWords, nDraws: draws.length, params: net.params.map((p) => p.get()), described: f.executable.describe() };
}

describe("a dropout network's training step on the native backend", () => {
  it('replays in one native call, with the reference masks and random states bit for bit', async () => {
    const want = await dropoutSteps('reference', 4);
    const got = await dropoutSteps('native', 4);
    expect(got.nDraws).toBe(4);
    expect(got.described).not.toMatch(/host op/);
    expect(got.described).toMatch(/replay: \d+ instructions in one native call/);
    got.drawn.forEach((masks, step) => masks.forEach((m, k) => {
      expect(m.dtype, `step ${step}, mask ${k}`).toBe(want.drawn[step]![k]!.dtype);
      expect(Array.from(m.data), `step ${step}, mask ${k}`).toEqual(Array.from(want.drawn[step]![k]!.data));
    }));
    expect(got.stateWords).toEqual(want.stateWords);
    expect(got.costs.map((c, k) => Math.abs(c - want.costs[k]!) < 1e-5)).toEqual(got.costs.map(() => true));
    expect(got.params.map((p, k) => compareArrays(want.params[k]!, p, 1e-5, 1e-5)).filter(Boolean)).toEqual([]);
  });
});
