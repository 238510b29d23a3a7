import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import { expandMnist } from './expand.js';

describe('expandMnist', () => {
  it('adds the one-pixel shifts down, up, right and left of every image, in the book\'s order', () => {
    // One 3x3 image with a single lit pixel in the middle, label 4.
    const img = [0, 0, 0, 0, 1, 0, 0, 0, 0];
    const d = expandMnist({ x: new NDArray('float32', [1, 9], Float32Array.from(img)), y: new NDArray('int32', [1], Int32Array.from([4])) });
    expect(d.x.shape).toEqual([5, 9]);
    expect(Array.from(d.y.data)).toEqual([4, 4, 4, 4, 4]);
    const lit = (k: number) => Array.from(d.x.data.subarray(k * 9, k * 9 + 9)).indexOf(1);
    expect([0, 1, 2, 3, 4].map(lit)).toEqual([4, 7, 1, 5, 3]); // original, down, up, right, left
  });

  it('drops the pixels shifted off the edge', () => {
    const img = [1, 2, 3, 4];
    const d = expandMnist({ x: new NDArray('float32', [1, 4], Float32Array.from(img)), y: new NDArray('int32', [1], Int32Array.from([0])) });
    expect(Array.from(d.x.data)).toEqual([1, 2, 3, 4, 0, 0, 1, 2, 3, 4, 0, 0, 0, 1, 0, 3, 2, 0, 4, 0]);
  });
});
