import { afterAll, describe, expect, it } from 'vitest';
import { compile, NDArray } from '@hypatia/core';
import { RandomStreams } from '@hypatia/ops';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';
import '@hypatia/backends';

/** Two calls of one function with uniform, binomial (a dropout mask and n = 6) and normal draws. */
async function draws(backend: string, carry: boolean): Promise<NDArray[]> {
  const rs = new RandomStreams(1234);
  const u = rs.uniform({ size: [37, 19] });
  const mask = rs.binomial({ size: [300], p: 0.5, dtype: 'float32' });
  const b6 = rs.binomial({ size: [50], n: 6, p: 0.3 });
  const z = rs.normal({ size: [257] });
  // A counter a few draws below 2^32: the low word wraps inside the sample and carries into the high one.
  if (carry) rs.stateOf(u).set(NDArray.from([0x1234567, -0x3456789, -5, 7], 'int32'));
  const f = await compile({ outputs: [u, mask, b6, z, rs.stateOf(u)], updates: rs.updates(), backend });
  return [...(await f()), ...(await f())];
}

describe.runIf(gpuAvailable)('webgpu random ops on their IR kernels (Philox4x32-10)', () => {
  afterAll(releaseDevice);

  for (const carry of [false, true]) {
    it(`uniform and binomial match the CPU bit for bit, normal within float32 tolerance${carry ? ' (counter carry)' : ''}`, async () => {
      const gpu = await draws('webgpu', carry);
      const cpu = await draws('reference', carry);
      gpu.forEach((g, k) => {
        const c = cpu[k]!;
        expect(g.shape).toEqual(c.shape);
        if (k % 5 === 3) Array.from(g.data).forEach((v, i) => expect(Math.abs(v - c.data[i]!)).toBeLessThan(2e-6 * (1 + Math.abs(c.data[i]!))));
        else expect(Array.from(g.data)).toEqual(Array.from(c.data));
      });
      // The second call drew fresh numbers from the advanced state.
      expect(Array.from(gpu[5]!.data)).not.toEqual(Array.from(gpu[0]!.data));
    });
  }
});
