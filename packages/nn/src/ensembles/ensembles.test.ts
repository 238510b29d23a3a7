import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import { averageProbabilities, majorityVote } from './ensembles.js';

const ints = (xs: number[]) => NDArray.from(xs, 'int32');

describe('ensembles', () => {
  it('majority vote takes the most common class per example', () => {
    expect([...majorityVote([ints([1, 2, 3]), ints([1, 0, 4]), ints([2, 0, 5])]).data]).toEqual([1, 0, 3]);
    expect(() => majorityVote([ints([1]), ints([1, 2])])).toThrow(/same number/);
  });

  it('probability averaging can overrule a majority of lukewarm models', () => {
    const a = NDArray.from([[0.4, 0.6]], 'float64');
    const c = NDArray.from([[0.95, 0.05]], 'float64');
    const r = averageProbabilities([a, a, c]);
    expect(r.probabilities.data[0]).toBeCloseTo(1.75 / 3, 12);
    expect(r.classes.data[0]).toBe(0);
    expect(majorityVote([ints([1]), ints([1]), ints([0])]).data[0]).toBe(1);
  });
});
