import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '@hypatia/core';
import { OP_TABLE, checkCase } from '@hypatia/ops/backend';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';

/**
 * The shared op table on WebGPU: every row, with and without the rewrites (so each op's own
 * lowering runs, not only the fused kernels), except the rows whose `skip.webgpu` says why the
 * backend cannot run them; those must be refused at compile time with an error naming the op.
 */
describe.runIf(gpuAvailable)('webgpu backend runs the op table', () => {
  afterAll(releaseDevice);

  for (const c of OP_TABLE) {
    const reason = c.skip?.webgpu;
    if (reason) {
      it(`${c.name} is refused at compile time (${reason})`, async () => {
        const { inputs, outputs } = c.build();
        await expect(compile({ inputs, outputs, backend: 'webgpu' })).rejects.toThrow(/: the webgpu backend cannot run this op: /);
      });
      continue;
    }
    it(c.name, async () => {
      expect(await checkCase(c, 'webgpu', { rtol: 2e-4, atol: 2e-5 })).toBeNull();
      expect(await checkCase(c, 'webgpu', { rtol: 2e-4, atol: 2e-5, rewrites: false })).toBeNull();
    });
  }
});
