import { describe, expect, it } from 'vitest';
import { NDArray, verifyGrad, vector, evaluate, ivector, compile } from '@hypatia/core';
import { swish } from './swish.js';
import { trainWithSwish } from './main.js';

describe('custom op example (swish)', () => {
  it('computes x * sigmoid(beta x) and its gradient', () => {
    const x = vector('x', 'float64');
    const [y] = evaluate([swish(x, 2)], new Map([[x, NDArray.from([-1, 0, 2], 'float64')]]));
    expect(Array.from(y!.data)).toEqual([-1, 0, 2].map((v) => v / (1 + Math.exp(-2 * v))));
    verifyGrad((a) => swish(a, 0.7), [NDArray.from([-3, -0.1, 0.2, 5], 'float64')]);
  });
  it('rejects integer input with a clear error', () => {
    expect(() => swish(ivector('i'))).toThrow(/swish: swish needs a float tensor, got int32/);
  });
  it('is elementwise: it fuses with its neighbours into one kernel', async () => {
    const x = vector('x');
    const f = await compile({ inputs: [x], outputs: [swish(swish(x, 2), 0.5)], backend: 'reference' });
    expect(f.executable.kernelCount).toBe(1);
  });
  it('trains in a compiled function', async () => {
    const r = await trainWithSwish('reference', 200);
    expect(r.finalLoss).toBeLessThan(r.initialLoss * 0.2);
  });
});
