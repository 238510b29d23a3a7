import { describe, expect, it } from 'vitest';
import { compile, constant, grad, NDArray, shared, tensor, imatrix, matrix } from '@hypatia/core';
import '@hypatia/backends';
import { sequenceCrossEntropy } from './sequence-costs.js';
import { finiteDifferenceError, randomArray } from '../layers/recurrent-testing.js';

/** -log softmax(z)[y] in double. */
function nll(z: ArrayLike<number>, offset: number, k: number, y: number): number {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, z[offset + j]!);
  let s = 0;
  for (let j = 0; j < k; j++) s += Math.exp(z[offset + j]! - max);
  return -(z[offset + y]! - max - Math.log(s));
}

describe('sequenceCrossEntropy', () => {
  const T = 3; const B = 2; const K = 4;
  const labels = new NDArray('int32', [T, B], Int32Array.from([1, 3, 0, 2, 0, 0]));
  const mask = new NDArray('float32', [T, B], Float32Array.from([1, 1, 1, 1, 1, 0]));

  for (const backend of ['reference', 'native']) {
    it(`${backend}: the mean per-step cross-entropy over the unmasked steps, and over all steps without a mask`, async () => {
      const z = tensor('float32', [null, null, null], 'z'); const y = imatrix('y'); const m = matrix('m');
      const f = await compile({ inputs: [z, y, m], outputs: [sequenceCrossEntropy(z, y, m), sequenceCrossEntropy(z, y)], backend });
      const zv = randomArray('float32', [T, B, K], 1, 3);
      const [masked, all] = await f(zv, labels, mask);
      const losses = Array.from(labels.data, (lab, p) => nll(zv.data, p * K, K, lab));
      expect(masked!.item()).toBeCloseTo(losses.slice(0, 5).reduce((a, b) => a + b) / 5, 5);
      expect(all!.item()).toBeCloseTo(losses.reduce((a, b) => a + b) / 6, 5);
    });
  }

  for (const backend of ['reference', 'native']) {
    it(`${backend}: its gradient matches finite differences in float64, and a masked step gets none`, async () => {
      const z = shared(randomArray('float64', [T, B, K], 2, 2), { name: 'z' });
      const cost = sequenceCrossEntropy(z, constant(labels), constant(mask));
      expect(await finiteDifferenceError(cost, [z], backend, 24)).toBeLessThan(1e-6);
      const g = await (await compile({ inputs: [], outputs: grad(cost, [z]), backend }))();
      Array.from(g[0]!.data.slice(5 * K)).forEach((v) => expect(Math.abs(v)).toBe(0));
      expect(Array.from(g[0]!.data.slice(0, 5 * K)).some((v) => v !== 0)).toBe(true);
    });
  }

  it('refuses logits that are not [time, batch, classes] and float labels, naming itself', () => {
    expect(() => sequenceCrossEntropy(matrix('z'), imatrix('y'))).toThrow(/sequenceCrossEntropy: logits must be \[time, batch, classes\]/);
    expect(() => sequenceCrossEntropy(tensor('float32', [null, null, null], 'z'), matrix('y'))).toThrow(/sequenceCrossEntropy: labels must be int32/);
  });
});
