import { describe, expect, it } from 'vitest';
import { NDArray, compile, dmatrix } from '@hypatia/core';
import { exp } from '../elementwise/arithmetic.js';
import { slice } from './subtensor.js';
import './rewrites.js';
import '@hypatia/backends';

describe('subtensor_whole', () => {
  it('drops a whole-tensor subtensor and keeps real slices', async () => {
    const x = dmatrix('x');
    const f = await compile({ inputs: [x], outputs: [exp(slice(x, [null, [null, null, 1]])), slice(x, [[1]])], backend: 'reference' });
    expect(f.graph.nodes.filter((n) => n.op.name === 'subtensor').length).toBe(1);
    expect(f.graph.history.some((h) => h.includes('subtensor_whole'))).toBe(true);
    const [a, b] = await f(NDArray.from([[0, 1], [2, 3]]));
    expect(Array.from(a!.data)).toEqual([0, 1, 2, 3].map(Math.exp));
    expect(b!.toArray()).toEqual([[2, 3]]);
  });
});
