import { describe, expect, it } from 'vitest';
import { batchStreams, loadCorpus, unigramEntropy } from './corpus.js';

describe('char-lstm corpus', () => {
  it('unigram entropy: uniform over k characters is log k; one repeated character is 0', () => {
    expect(unigramEntropy(Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), 4)).toBeCloseTo(Math.log(4), 12);
    expect(unigramEntropy(Int32Array.from([2, 2, 2]), 3)).toBe(0);
  });

  it('batchStreams lays the text out as contiguous streams side by side, time-major', () => {
    const { data, length } = batchStreams(Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 2);
    expect(length).toBe(3);
    expect(Array.from(data)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(() => batchStreams(Int32Array.from([0, 1, 2]), 2)).toThrow(/too short/);
  });

  it('the committed corpus maps back to its text through its vocabulary', () => {
    const c = loadCorpus();
    expect(c.ids.length).toBeGreaterThan(10_000);
    expect(Array.from(c.ids, (i) => c.vocab[i]).join('')).toBe(c.text);
  });
});
