import { describe, expect, it } from 'vitest';
import { decodeRows, encodeRows } from './rows-file.js';
import type { BenchData } from '../lib/workloads.js';

function rows(n: number): BenchData {
  const trainX = Float32Array.from({ length: n * 784 }, (_, i) => Math.sin(i) * 0.5 + 0.5);
  const trainY = Int32Array.from({ length: n }, (_, i) => (i * 7) % 10);
  return { trainX, trainY, validX: new Float32Array(784), validY: new Int32Array(1), nTrain: n, nValid: 1 };
}

describe('the browser benchmark rows file', () => {
  it('gives the page the training rows bit for bit, and no validation rows', () => {
    const d = rows(3);
    const back = decodeRows(encodeRows(d).slice().buffer);
    expect(back.nTrain).toBe(3);
    expect(back.trainX).toEqual(d.trainX);
    expect(back.trainY).toEqual(d.trainY);
    expect(back.nValid).toBe(0);
  });

  it('writes rows that are a view into a bigger buffer, and only nTrain of them', () => {
    const d = rows(5);
    const two: BenchData = { ...d, trainX: d.trainX.subarray(784), trainY: d.trainY.subarray(1), nTrain: 2 };
    const back = decodeRows(encodeRows(two).slice().buffer);
    expect(back.trainX).toEqual(d.trainX.slice(784, 3 * 784));
    expect(back.trainY).toEqual(d.trainY.slice(1, 3));
  });

  it('refuses a truncated file, naming the sizes', () => {
    const bytes = encodeRows(rows(2));
    expect(() => decodeRows(bytes.slice(0, bytes.length - 4).buffer)).toThrow(/6280 bytes, expected 6284 for 2 rows/);
  });
});
