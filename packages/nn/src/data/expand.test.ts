import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import { expandMnist } from './expand.js';

describe('expandMnist', () => {
  it('adds the one-pixel shifts down, up, right and left of every image, in the book\'s order', () => {
    // One 3x3 image with a single lit pixel in the middle, label 4.
    const img = [0, 0, 0, 0, 1, 0, 0, 0, 0];
    const d = expandMnist({ x: new NDArray('float32', [1, 9], Float32Array.from(img)), y: new NDArray('int32', [1], Int32Array.from([4])) }, { shuffle: false });
    expect(d.x.shape).toEqual([5, 9]);
    expect(Array.from(d.y.data)).toEqual([4, 4, 4, 4, 4]);
    const lit = (k: number) => Array.from(d.x.data.subarray(k * 9, k * 9 + 9)).indexOf(1);
    expect([0, 1, 2, 3, 4].map(lit)).toEqual([4, 7, 1, 5, 3]); // original, down, up, right, left
  });

  it('drops the pixels shifted off the edge', () => {
    const img = [1, 2, 3, 4];
    const d = expandMnist({ x: new NDArray('float32', [1, 4], Float32Array.from(img)), y: new NDArray('int32', [1], Int32Array.from([0])) }, { shuffle: false });
    expect(Array.from(d.x.data)).toEqual([1, 2, 3, 4, 0, 0, 1, 2, 3, 4, 0, 0, 0, 1, 0, 3, 2, 0, 4, 0]);
  });

  it('shuffles images with their labels, reproducibly from the seed', () => {
    // Image k is all k's with label k, so every row must still match its label after the shuffle.
    const n = 20;
    const x = new Float32Array(n * 4);
    for (let k = 0; k < n; k++) x.fill(k + 1, k * 4, k * 4 + 4);
    const data = { x: new NDArray('float32', [n, 4], x), y: new NDArray('int32', [n], Int32Array.from({ length: n }, (_, k) => k + 1)) };
    const d = expandMnist(data, { seed: 3 });
    expect(d.y.size).toBe(5 * n);
    const order = Array.from(d.y.data);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, k) => [k + 1, k + 1, k + 1, k + 1, k + 1]).flat());
    for (let r = 0; r < d.y.size; r++) {
      const row = Array.from(d.x.data.subarray(r * 4, r * 4 + 4));
      expect(row.every((v) => v === 0 || v === d.y.data[r])).toBe(true);
      expect(row.filter((v) => v !== 0).length).toBeGreaterThanOrEqual(2);
    }
    expect(Array.from(expandMnist(data, { seed: 3 }).y.data)).toEqual(order);
  });
});
