import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@hypatia/backends';
import { loadMnist } from '@hypatia/nn/node';
import { sliceDataset } from '@hypatia/nn';
import { runTechniques } from './experiments.js';

describe('pnpm techniques --quick', () => {
  it('runs every comparison end to end and writes the table and plots', async () => {
    const { training, validation } = loadMnist({ limit: 300 });
    const out = mkdtempSync(join(tmpdir(), 'techniques-'));
    const results = await runTechniques({ quick: true, backend: 'reference', outDir: out, training, validation: sliceDataset(validation, 0, 200) });
    expect(results.map((r) => r.id)).toEqual(['cost', 'l2', 'dropout', 'init', 'optimizers', 'batchnorm', 'gradnorms']);
    for (const r of results) {
      expect(existsSync(join(out, `${r.id}.svg`))).toBe(true);
      expect(r.rows.length).toBeGreaterThan(1);
    }
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| cross-entropy \| \d+\.\d\d% \|/);
    expect(md).toMatch(/\| hidden layer 1 \| \d\.\d+e-\d+ \|/);
  }, 240_000);
});
