import { afterAll, describe, expect, it } from 'vitest';
import '../index.js';
import { gpuAvailable, releaseDevice } from '../webgpu/gpu-test-helpers.js';
import { fuzzConfigs } from './configs.js';
import { describeMismatch, runDifferential } from './differential.js';
import { CI_SEEDS } from './fuzz-seeds.js';
import { generateProgram } from './generate.js';

const webgpu = fuzzConfigs({ webgpu: true }).filter((c) => c.name === 'webgpu');

describe.runIf(gpuAvailable)('differential fuzzer: random float32 programs on WebGPU agree with the oracle after every call', () => {
  afterAll(releaseDevice);
  for (const seed of CI_SEEDS) {
    const p = generateProgram(seed);
    if (p.dtype === 'float64') continue;
    it(`seed ${seed} (${p.family}, ${p.events.length} events)`, async () => {
      const m = await runDifferential(p, webgpu);
      expect(m && describeMismatch(m)).toBeNull();
    });
  }
});
