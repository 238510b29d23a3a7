import { NDArray } from '@hypatia/core';
import type { Dataset } from './dataset.js';
import { Rng } from '../init/rng.js';

/**
 * The book's expand_mnist.py: each image followed by its copies shifted one pixel down, up, right and
 * left, in that order (the vacated row or column is zero), then shuffled as the book does, so that
 * a mini-batch does not hold five copies of one digit. Square images only, as MNIST's 28x28.
 */
export function expandMnist(data: Dataset, options: { shuffle?: boolean; seed?: number } = {}): Dataset {
  const n = data.y.size;
  const size = data.x.shape[1]!;
  const side = Math.round(Math.sqrt(size));
  if (side * side !== size) throw new Error(`expandMnist: rows of ${size} pixels are not square images`);
  const shifts: [number, number][] = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]]; // [dy, dx]: original, down, up, right, left
  const x = new Float32Array(n * shifts.length * size);
  const y = new Int32Array(n * shifts.length);
  const src = data.x.data;
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (const [dy, dx] of shifts) {
      const out = k * size;
      for (let r = 0; r < side; r++) {
        const sr = r - dy;
        if (sr < 0 || sr >= side) continue;
        for (let c = 0; c < side; c++) {
          const sc = c - dx;
          if (sc >= 0 && sc < side) x[out + r * side + c] = src[i * size + sr * side + sc]!;
        }
      }
      y[k++] = data.y.data[i]!;
    }
  }
  if (options.shuffle ?? true) shuffleRows(x, y, size, new Rng(options.seed ?? 0));
  return { x: new NDArray('float32', [n * shifts.length, size], x), y: new NDArray('int32', [n * shifts.length], y) };
}

/** Fisher-Yates on image rows and their labels together. */
function shuffleRows(x: Float32Array, y: Int32Array, size: number, rng: Rng): void {
  const tmp = new Float32Array(size);
  for (let i = y.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    if (j === i) continue;
    tmp.set(x.subarray(i * size, (i + 1) * size));
    x.copyWithin(i * size, j * size, (j + 1) * size);
    x.set(tmp, j * size);
    const t = y[i]!; y[i] = y[j]!; y[j] = t;
  }
}
