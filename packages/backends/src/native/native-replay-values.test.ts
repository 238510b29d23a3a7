import { describe, expect, it } from 'vitest';
import { NDArray, compile, grad, ivector, matrix, shared, vector, type SharedVariable, type Variable } from '@hypatia/core';
import { add, advancedIndex, arange, dot, log, mean, mul, neg, shapeOf, softmax, square, sub } from '@hypatia/ops';
import { FullyConnectedLayer, Network, SoftmaxLayer } from '@hypatia/nn';
import '../index.js';
import { NativeBackend } from './native-backend.js';
import { PlanRecorder } from './plan-recorder.js';
import { testCacheDir } from './testing/test-cache-dir.js';

/**
 * Replayed plans move in-place updates to the end of the step. Gradients of the same size are
 * computed into the same recycled JS array one after the other, so a plan that named buffers
 * rather than values would let a moved update read another parameter's gradient. These graphs
 * make such buffers collide on purpose and compare every call with the reference backend.
 */
const backends = {
  reference: () => ({ backend: 'reference' as const }),
  native: () => ({ backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } }),
};

async function trace(build: () => { inputs: Variable[]; cost: Variable; params: SharedVariable[]; lr: number }, args: NDArray[][]) {
  const out: Record<string, { costs: number[]; params: number[][][] }> = {};
  for (const [name, opts] of Object.entries(backends)) {
    const { inputs, cost, params, lr } = build();
    const grads = grad(cost, params);
    const f = await compile({ inputs, outputs: cost, updates: params.map((p, k) => [p, sub(p, mul(grads[k]!, lr))] as const), ...opts() });
    const costs: number[] = [];
    const states: number[][][] = [];
    for (const a of args) {
      costs.push((await f(...a)).item());
      states.push(params.map((p) => Array.from(p.get().data)));
    }
    out[name] = { costs, params: states };
  }
  return out as { reference: { costs: number[]; params: number[][][] }; native: { costs: number[]; params: number[][][] } };
}

function expectClose(got: number[][][], want: number[][][]) {
  got.forEach((call, c) => call.forEach((p, k) => p.forEach((v, i) => {
    expect(Math.abs(v - want[c]![k]![i]!), `call ${c}, parameter ${k}, element ${i}: ${v} vs ${want[c]![k]![i]}`).toBeLessThan(1e-5);
  })));
}

describe('a replayed plan names values, not buffers', () => {
  it('two weight matrices whose gradients have the same size ([2,3] and [3,2]) train as on the reference', async () => {
    const xs = NDArray.from([[1, 2], [2, 1], [-1, -2], [-2, -1]], 'float32');
    const ys = NDArray.from([0, 1, 1, 0], 'int32');
    const r = await trace(() => {
      const X = matrix('X');
      const y = ivector('y');
      const W1 = shared(NDArray.from([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], 'float32'), 'W1');
      const W2 = shared(NDArray.from([[0.2, -0.1], [0.3, 0.1], [-0.5, 0.4]], 'float32'), 'W2');
      const cost = neg(mean(log(advancedIndex(softmax(dot(dot(X, W1), W2)), [arange(shapeOf(y, 0)), y]))));
      return { inputs: [X, y], cost, params: [W1, W2], lr: 0.5 };
    }, [[xs, ys], [xs, ys], [xs, ys], [xs, ys]]);
    expect(r.native.costs.map((c) => c.toFixed(6))).toEqual(['0.526152', '0.426234', '0.338911', '0.261581']);
    expect(r.native.costs.map((c) => c.toFixed(5))).toEqual(r.reference.costs.map((c) => c.toFixed(5)));
    expectClose(r.native.params, r.reference.params);
  });

  it('a vector and a column of the same size ([4] and [4,1]) updated together each receive their own gradient', async () => {
    const calls = [0, 1, 2].map((k) => [
      NDArray.from([[1, 0, -1, 2], [0.5, 1, 1, -1], [2, -1, 0, 1]].map((r) => r.map((v) => v + k * 0.1)), 'float32'),
      NDArray.from([[1], [0], [-1]], 'float32'),
    ]);
    const r = await trace(() => {
      const x = matrix('x');
      const t = matrix('t');
      const s = shared(NDArray.from([0.1, -0.1, 0.2, 0], 'float32'), 's');
      const V = shared(NDArray.from([[0.3], [-0.2], [0.1], [0.4]], 'float32'), 'V');
      return { inputs: [x, t], cost: mean(square(sub(dot(add(x, s), V), t))), params: [s, V], lr: 0.2 };
    }, calls);
    expectClose(r.native.params, r.reference.params);
  });

  it('network3 with a softmax layer as wide as the layer before it trains as on the reference', async () => {
    const n = 20;
    const x = NDArray.zeros('float32', [n, 12]);
    for (let i = 0; i < x.size; i++) x.data[i] = (Math.sin(i * 0.71) + 1) / 2;
    const y = NDArray.from(Array.from({ length: n }, (_, i) => (i * 3) % 10), 'int32');
    const weights: number[][][] = [];
    for (const backend of ['reference', 'native'] as const) {
      const net = new Network([new FullyConnectedLayer({ nIn: 12, nOut: 10, seed: 3 }), new SoftmaxLayer({ nIn: 10, nOut: 10, seed: 4 })], 5);
      await net.sgd({ x, y }, 2, 5, 0.5, null, null, { backend: backend === 'native' ? new NativeBackend() : 'reference', progress: false });
      weights.push(net.params.map((p) => Array.from(p.get().data)));
    }
    expectClose([weights[1]!], [weights[0]!]);
  });

  it('the recorder gives a recycled array a new slot for each value it receives', () => {
    const rec = new PlanRecorder();
    const buf = new Float32Array(6);
    rec.pool(buf);
    const first = rec.slotOf(buf);
    rec.pool(buf);
    expect(rec.slotOf(buf)).not.toBe(first);
    expect(rec.slots.filter((s) => s.kind === 'pool')).toHaveLength(2);
  });
});
