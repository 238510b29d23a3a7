import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { loadMnist } from '@hypatia/nn/node';
import { sliceDataset } from '@hypatia/nn';
import { resultsMarkdown, runTechniques, type ExperimentResult } from './experiments.js';

describe('pnpm techniques --quick', () => {
  it('runs every comparison end to end and writes the table and plots, labelled as a smoke run', async () => {
    const { training, validation } = loadMnist({ limit: 300 });
    const out = mkdtempSync(join(tmpdir(), 'techniques-'));
    const printed: string[] = [];
    const results = await runTechniques({ quick: true, backend: 'reference', outDir: out, training, validation: sliceDataset(validation, 0, 200), log: (l) => printed.push(l) });
    expect(results.map((r) => r.id)).toEqual(['cost', 'l2', 'dropout', 'init', 'optimizers', 'batchnorm', 'gradnorms']);
    expect(printed[0]).toMatch(/^smoke run \(--quick\): 1 epoch per setting on 300 training images .* not what the techniques do/);
    expect(printed.join('\n')).not.toMatch(/1,000 images/);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/^# Training techniques: smoke run\n/);
    expect(md).toMatch(/\| cross-entropy \| \d+\.\d\d% \|/);
    expect(md).toMatch(/\| hidden layer 1 \| \d\.\d+e-\d+ \|/);
    for (const r of results) {
      const svg = readFileSync(join(out, `${r.id}.svg`), 'utf8');
      expect(existsSync(join(out, `${r.id}.svg`))).toBe(true);
      expect(r.rows.length).toBeGreaterThan(1);
      expect(md).toContain(`## ${r.title} (smoke run)`);
      expect(svg).toMatch(/font-weight="bold">[^<]* \(smoke run\)<\/text>/);
      const series = (svg.match(/<polyline /g) ?? []).length;
      if (r.id === 'gradnorms') {
        // Measured at initialisation, with no training cut short: the text's numbers stand beside ours.
        expect(md).toContain(r.claim);
        expect(svg).not.toMatch(/<circle /);
      } else {
        // One epoch: every series is one point, drawn as a marker; the text's claim is not set beside it.
        expect(md).not.toContain(r.claim);
        expect((svg.match(/<circle /g) ?? []).length).toBe(series);
        expect(svg).toMatch(/--quick: 1 epoch on \d+ images; too little to test the claim/);
      }
    }
  }, 240_000);

  it('a full run\'s results set the text\'s claims beside the numbers and say nothing of smoke', () => {
    const result: ExperimentResult = { id: 'cost', title: 'Costs', claim: 'Nielsen 3.1: cross-entropy learns faster.', rows: [['a', '1%', ''], ['b', '2%', '']], plot: '' };
    const data = { x: NDArray.zeros('float32', [2, 784]), y: NDArray.zeros('int32', [2]) };
    const md = resultsMarkdown([result], { quick: false, backend: 'cpu', training: data, validation: data });
    expect(md).toContain('The text: Nielsen 3.1: cross-entropy learns faster.');
    expect(md).toContain('## Costs\n');
    expect(md).not.toMatch(/smoke/i);
  });
});
