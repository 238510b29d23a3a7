import { afterAll, describe, expect, it } from 'vitest';
import '../index.js';
import { gpuAvailable, releaseDevice } from '../webgpu/gpu-test-helpers.js';
import { fuzzConfigs } from './configs.js';
import { describeMismatch, runDifferential } from './differential.js';
import { CI_SCAN_SEEDS, CI_SEEDS } from './fuzz-seeds.js';
import { generateProgram } from './generate.js';

const webgpu = fuzzConfigs({ webgpu: true }).filter((c) => c.name === 'webgpu');

describe.runIf(gpuAvailable)('differential fuzzer: random float32 programs on WebGPU agree with the oracle after every call', () => {
  afterAll(releaseDevice);
  const programs = [...CI_SEEDS.map((s) => generateProgram(s)), ...CI_SCAN_SEEDS.map((s) => generateProgram(s, { family: 'scan' }))];
  for (const p of programs) {
    const seed = p.seed;
    if (!webgpu[0]!.accepts!(p)) continue;
    it(`seed ${seed} (${p.family}, ${p.events.length} events)`, async () => {
      const m = await runDifferential(p, webgpu);
      expect(m && describeMismatch(m)).toBeNull();
    });
  }
});
