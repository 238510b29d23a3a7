import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpus, unigramEntropy } from './corpus.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('char-lstm example', () => {
  it('--quick --json learns: the cost falls well below the unigram entropy of its text, epoch after epoch', () => {
    const out = mkdtempSync(join(tmpdir(), 'char-lstm-'));
    const stdout = execFileSync('npx', ['tsx', 'examples/char-lstm/main.ts', '--quick', '--json', '--out', out], { cwd: root, encoding: 'utf8', timeout: 170_000 });
    const lines = stdout.trim().split('\n');
    const r = JSON.parse(lines.at(-1)!) as { unigramEntropy: number; epochCosts: number[]; vocab: number };
    const corpus = loadCorpus();
    const entropy = unigramEntropy(corpus.ids, corpus.vocab.length);
    expect(r.unigramEntropy).toBeCloseTo(entropy, 10);
    expect(r.vocab).toBe(corpus.vocab.length);
    expect(r.epochCosts.length).toBeGreaterThan(1);
    expect(r.epochCosts.at(-1)!).toBeLessThan(0.8 * entropy);
    expect(r.epochCosts.at(-1)!).toBeLessThan(r.epochCosts[0]!);
    const svg = readFileSync(join(out, 'cost.svg'), 'utf8');
    expect(svg).toMatch(/<svg[^>]*>/);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  }, 180_000);
});
