import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import { permutation, shuffleDataset, trainValidationSplit } from './split.js';

const d = { x: new NDArray('float32', [10, 2], Float32Array.from({ length: 20 }, (_, i) => Math.floor(i / 2))), y: new NDArray('int32', [10], Int32Array.from({ length: 10 }, (_, i) => i)) };

describe('split helpers', () => {
  it('split into disjoint shuffled parts that keep rows and labels together', () => {
    const { training, validation } = trainValidationSplit(d, 0.3, 4);
    expect(validation.y.size).toBe(3);
    expect(training.y.size).toBe(7);
    expect([...training.y.data, ...validation.y.data].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const part of [training, validation]) part.y.data.forEach((label, i) => expect(part.x.data[2 * i]).toBe(label));
    expect(permutation(10, 4)).toEqual(permutation(10, 4));
    expect([...shuffleDataset(d, 1).y.data]).not.toEqual([...d.y.data]);
    expect(() => trainValidationSplit(d, 1)).toThrow(/fraction/);
  });
});
