import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import { augmentDataset, rotateImage, shiftImage } from './augmentation.js';

const img = Float32Array.from({ length: 9 }, (_, i) => i + 1); // 3x3: 1..9

describe('augmentation', () => {
  it('shifts by a pixel, filling with zeros', () => {
    expect([...shiftImage(img, 3, 1, 0)]).toEqual([0, 1, 2, 0, 4, 5, 0, 7, 8]);
    expect([...shiftImage(img, 3, 0, -1)]).toEqual([4, 5, 6, 7, 8, 9, 0, 0, 0]);
  });

  it('rotates about the centre: 0 degrees is the identity, 90 degrees turns the grid, small angles keep most of the mass', () => {
    expect([...rotateImage(img, 3, 0)].map((v) => +v.toFixed(5))).toEqual([...img]);
    expect([...rotateImage(img, 3, 90)].map((v) => +v.toFixed(5))).toEqual([7, 4, 1, 8, 5, 2, 9, 6, 3]);
    const big = Float32Array.from({ length: 100 }, (_, i) => (i % 10 > 2 && i % 10 < 7 && i > 20 && i < 80 ? 1 : 0));
    const r = rotateImage(big, 10, 8);
    expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(big.reduce((a, b) => a + b, 0), 0);
  });

  it('expands a dataset with shifted and rotated copies, labels repeated', () => {
    const d = { x: new NDArray('float32', [2, 9], Float32Array.from([...img, ...img])), y: new NDArray('int32', [2], Int32Array.from([3, 7])) };
    const a = augmentDataset(d, { rotations: 2, seed: 1 });
    expect(a.x.shape).toEqual([14, 9]);
    expect([...a.y.data]).toEqual([3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7, 3, 7]);
    expect([...a.x.data.subarray(18, 27)]).toEqual([0, 1, 2, 0, 4, 5, 0, 7, 8]);
  });
});
