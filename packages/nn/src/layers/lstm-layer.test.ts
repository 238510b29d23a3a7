import { describe, expect, it } from 'vitest';
import { compile, constant, shared, tensor, matrix } from '@hypatia/core';
import { add, mul, sum } from '@hypatia/ops';
import '@hypatia/backends';
import { LSTMLayer } from './lstm-layer.js';
import { finiteDifferenceError, lstmByHand, maxError, plainParams, randomArray } from './recurrent-testing.js';

const T = 5; const B = 3; const nIn = 4; const H = 6;

describe('LSTMLayer', () => {
  for (const backend of ['reference', 'native']) {
    it(`${backend}: every step's h and the last h and c are PyTorch's LSTM equations (gates i, f, g, o) unrolled by hand`, async () => {
      const layer = new LSTMLayer({ nIn, nHidden: H, seed: 3 });
      expect(layer.params.map((p) => [p.name, p.valueShape])).toEqual([
        ['weight_ih_l0', [4 * H, nIn]], ['weight_hh_l0', [4 * H, H]], ['bias_ih_l0', [4 * H]], ['bias_hh_l0', [4 * H]],
      ]);
      const x = tensor('float32', [null, null, nIn], 'x');
      const h0 = matrix('h0'); const c0 = matrix('c0');
      const run = layer.apply(x, h0, c0);
      const f = await compile({ inputs: [x, h0, c0], outputs: [run.outputs, run.hT, run.cT], backend });
      const xv = randomArray('float32', [T, B, nIn], 1, 2);
      const h0v = randomArray('float32', [B, H], 2); const c0v = randomArray('float32', [B, H], 3);
      const [hs, hT, cT] = await f(xv, h0v, c0v);
      const want = lstmByHand(xv, h0v.data, c0v.data, plainParams(layer.params), H);
      expect(hs!.shape).toEqual([T, B, H]);
      expect(maxError(hs!.data, want.hs)).toBeLessThan(1e-5);
      expect(maxError(hT!.data, want.hT)).toBeLessThan(1e-5);
      expect(maxError(cT!.data, want.cT)).toBeLessThan(1e-5);
      if (backend === 'native') {
        // The layer's loop is one LOOP instruction of the replayed plan, not a step per host call.
        await f(xv, h0v, c0v);
        expect(f.executable.describe()).toMatch(/: loop scan\{.*run as one loop in the replayed plan/);
        expect(f.executable.hostOps).toEqual([]);
      }
      // Without initial states the layer starts from zeros.
      const fromZero = layer.apply(x);
      const g = await compile({ inputs: [x], outputs: fromZero.outputs, backend });
      const zeros = new Array<number>(B * H).fill(0);
      expect(maxError((await g(xv)).data, lstmByHand(xv, zeros, zeros, plainParams(layer.params), H).hs)).toBeLessThan(1e-5);
    });

    it(`${backend}: the gradient of a cost of every step's h and the last c matches finite differences in float64`, async () => {
      const layer = new LSTMLayer({ nIn: 3, nHidden: 3, seed: 5, dtype: 'float64' });
      const x = shared(randomArray('float64', [4, 2, 3], 11), { name: 'x' });
      const h0 = shared(randomArray('float64', [2, 3], 12), { name: 'h0' });
      const c0 = shared(randomArray('float64', [2, 3], 13), { name: 'c0' });
      const run = layer.apply(x, h0, c0);
      const cost = add(sum(mul(run.outputs, constant(randomArray('float64', [4, 2, 3], 14)))), sum(mul(run.cT, constant(randomArray('float64', [2, 3], 15)))));
      expect(await finiteDifferenceError(cost, [...layer.params, x, h0, c0], backend)).toBeLessThan(1e-6);
    });
  }

  it('refuses sizes that are not positive integers, naming the layer', () => {
    expect(() => new LSTMLayer({ nIn: 0, nHidden: 4 })).toThrow(/LSTMLayer: nIn must be a positive integer, got 0/);
    expect(() => new LSTMLayer({ nIn: 2, nHidden: 4, truncateGradient: 0 })).toThrow(/LSTMLayer: truncateGradient/);
  });
});
