import { describe, expect, it } from 'vitest';
import { compile, NDArray, shared, grad } from '@hypatia/core';
import { sum, square } from '@hypatia/ops';
import '@hypatia/backends';
import { sgdRule } from './update-rules.js';

describe('sgdRule', () => {
  it('steps against the gradient', async () => {
    const p = shared(NDArray.from([1, -2], 'float32'), 'p');
    const cost = sum(square(p));
    const step = await compile({ inputs: [], outputs: cost, updates: sgdRule(0.25).updates([p], [grad(cost, p)]), backend: 'reference' });
    await step();
    expect(Array.from(p.get().data)).toEqual([0.5, -1]); // p - 0.25 * 2p
  });
  it('rejects a non-positive learning rate', () => {
    expect(() => sgdRule(0)).toThrow(/learning rate must be positive/);
  });
});
