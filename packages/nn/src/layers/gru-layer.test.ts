import { describe, expect, it } from 'vitest';
import { compile, constant, shared, tensor, matrix } from '@hypatia/core';
import { add, mul, sum } from '@hypatia/ops';
import '@hypatia/backends';
import { GRULayer } from './gru-layer.js';
import { finiteDifferenceError, gruByHand, maxError, plainParams, randomArray } from './recurrent-testing.js';

const T = 5; const B = 3; const nIn = 4; const H = 6;

describe('GRULayer', () => {
  for (const backend of ['reference', 'native']) {
    it(`${backend}: every step's h is PyTorch's GRU equations (gates r, z, n; b_hn inside the reset product) unrolled by hand`, async () => {
      const layer = new GRULayer({ nIn, nHidden: H, seed: 4 });
      expect(layer.params.map((p) => [p.name, p.valueShape])).toEqual([
        ['weight_ih_l0', [3 * H, nIn]], ['weight_hh_l0', [3 * H, H]], ['bias_ih_l0', [3 * H]], ['bias_hh_l0', [3 * H]],
      ]);
      const x = tensor('float32', [null, null, nIn], 'x');
      const h0 = matrix('h0');
      const run = layer.apply(x, h0);
      const f = await compile({ inputs: [x, h0], outputs: [run.outputs, run.hT], backend });
      const xv = randomArray('float32', [T, B, nIn], 1, 2);
      const h0v = randomArray('float32', [B, H], 2);
      const [hs, hT] = await f(xv, h0v);
      const want = gruByHand(xv, h0v.data, plainParams(layer.params), H);
      expect(hs!.shape).toEqual([T, B, H]);
      expect(maxError(hs!.data, want.hs)).toBeLessThan(1e-5);
      expect(maxError(hT!.data, want.hT)).toBeLessThan(1e-5);
      const g = await compile({ inputs: [x], outputs: layer.apply(x).outputs, backend });
      expect(maxError((await g(xv)).data, gruByHand(xv, new Array<number>(B * H).fill(0), plainParams(layer.params), H).hs)).toBeLessThan(1e-5);
    });

    it(`${backend}: the gradient of a cost of every step's h matches finite differences in float64`, async () => {
      const layer = new GRULayer({ nIn: 3, nHidden: 3, seed: 6, dtype: 'float64' });
      const x = shared(randomArray('float64', [4, 2, 3], 21), { name: 'x' });
      const h0 = shared(randomArray('float64', [2, 3], 22), { name: 'h0' });
      const run = layer.apply(x, h0);
      const cost = add(sum(mul(run.outputs, constant(randomArray('float64', [4, 2, 3], 23)))), sum(mul(run.hT, run.hT)));
      expect(await finiteDifferenceError(cost, [...layer.params, x, h0], backend)).toBeLessThan(1e-6);
    });
  }
});
