import { describe, expect, it } from 'vitest';
import '../index.js';
import { testCacheDir } from '../native/testing/test-cache-dir.js';
import { fuzzConfigs } from './configs.js';
import { describeMismatch, runDifferential } from './differential.js';
import { CI_SCAN_SEEDS, CI_SEEDS } from './fuzz-seeds.js';
import { generateProgram } from './generate.js';

const configs = fuzzConfigs({ webgpu: false, cacheDir: testCacheDir() });

describe('differential fuzzer: random programs on the reference (rewrites on), native and wasm backends agree with the oracle after every call', () => {
  for (const seed of CI_SEEDS) {
    const p = generateProgram(seed);
    it(`seed ${seed} (${p.family}, ${p.dtype}, ${p.events.length} events)`, async () => {
      const m = await runDifferential(p, configs);
      expect(m && describeMismatch(m)).toBeNull();
    });
  }
  for (const seed of CI_SCAN_SEEDS) {
    const p = generateProgram(seed, { family: 'scan' });
    it(`scan seed ${seed} (${p.dtype}, ${p.events.length} events)`, async () => {
      const m = await runDifferential(p, configs);
      expect(m && describeMismatch(m)).toBeNull();
    });
  }
});
