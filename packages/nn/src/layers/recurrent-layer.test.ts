import { describe, expect, it } from 'vitest';
import { compile, constant, evaluate, grad, shared, tensor, matrix } from '@hypatia/core';
import { mul, sliceAxis, subtensor, sum } from '@hypatia/ops';
import '@hypatia/backends';
import { RecurrentLayer } from './recurrent-layer.js';
import { finiteDifferenceError, maxError, plainParams, randomArray, rnnByHand } from './recurrent-testing.js';

const T = 5; const B = 3; const nIn = 4; const H = 6;

describe('RecurrentLayer', () => {
  for (const backend of ['reference', 'native']) {
    it(`${backend}: every step's h is PyTorch's tanh RNN, h' = tanh(W_ih x + b_ih + W_hh h + b_hh), unrolled by hand`, async () => {
      const layer = new RecurrentLayer({ nIn, nHidden: H, seed: 2 });
      expect(layer.params.map((p) => [p.name, p.valueShape])).toEqual([
        ['weight_ih_l0', [H, nIn]], ['weight_hh_l0', [H, H]], ['bias_ih_l0', [H]], ['bias_hh_l0', [H]],
      ]);
      const x = tensor('float32', [null, null, nIn], 'x');
      const h0 = matrix('h0');
      const run = layer.apply(x, h0);
      const f = await compile({ inputs: [x, h0], outputs: [run.outputs, run.hT], backend });
      const xv = randomArray('float32', [T, B, nIn], 1, 2);
      const h0v = randomArray('float32', [B, H], 2);
      const [hs, hT] = await f(xv, h0v);
      const want = rnnByHand(xv, h0v.data, plainParams(layer.params), H);
      expect(maxError(hs!.data, want.hs)).toBeLessThan(1e-5);
      expect(maxError(hT!.data, want.hT)).toBeLessThan(1e-5);
    });

    it(`${backend}: the gradient matches finite differences in float64`, async () => {
      const layer = new RecurrentLayer({ nIn: 3, nHidden: 4, seed: 7, dtype: 'float64' });
      const x = shared(randomArray('float64', [5, 2, 3], 31), { name: 'x' });
      const h0 = shared(randomArray('float64', [2, 4], 32), { name: 'h0' });
      const cost = sum(mul(layer.apply(x, h0).outputs, constant(randomArray('float64', [5, 2, 4], 33))));
      expect(await finiteDifferenceError(cost, [...layer.params, x, h0], backend)).toBeLessThan(1e-6);
    });
  }

  it('truncateGradient: the weights get the gradient of the last steps only, with the state before them held constant', () => {
    const opts = { nIn: 2, nHidden: 3, seed: 9, dtype: 'float64' as const };
    const truncated = new RecurrentLayer({ ...opts, truncateGradient: 2 });
    const full = new RecurrentLayer(opts);
    const xv = randomArray('float64', [6, 2, 2], 41);
    const x = constant(xv);
    const weights = constant(randomArray('float64', [6, 2, 3], 42));
    const [gTrunc] = evaluate(grad(sum(mul(truncated.apply(x).outputs, weights)), [truncated.p.weightHh]), new Map());
    // The same sum over steps 4 and 5, run from the state after step 3 given as a constant initial state.
    const [h3] = evaluate([subtensor(full.apply(x).outputs, [3])], new Map());
    const tail = full.apply(sliceAxis(x, 0, 4, 6), constant(h3!));
    const [gTail] = evaluate(grad(sum(mul(tail.outputs, sliceAxis(weights, 0, 4, 6))), [full.p.weightHh]), new Map());
    expect(maxError(gTrunc!.data, gTail!.data)).toBeLessThan(1e-12);
    expect(plainParams(truncated.params).wHh).toEqual(plainParams(full.params).wHh);
  });
});
