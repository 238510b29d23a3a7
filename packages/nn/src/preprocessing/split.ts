import { NDArray } from '@hypatia/core';
import type { Dataset } from '../data/dataset.js';
import { Rng } from '../init/rng.js';

/** The rows of `d` at `indices`, copied. */
export function takeRows(d: Dataset, indices: readonly number[]): Dataset {
  const cols = d.x.size / Math.max(1, d.y.size);
  const x = NDArray.zeros(d.x.dtype, [indices.length, ...d.x.shape.slice(1)]);
  const y = NDArray.zeros(d.y.dtype, [indices.length]);
  indices.forEach((r, i) => {
    x.data.set(d.x.data.subarray(r * cols, (r + 1) * cols), i * cols);
    y.data[i] = d.y.data[r]!;
  });
  return { x, y };
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, seed = 0): number[] {
  const rng = new Rng(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rng.uniform() * (i + 1)); [p[i], p[j]] = [p[j]!, p[i]!]; }
  return p;
}

/** `d`'s examples in a random order drawn from `seed`. */
export function shuffleDataset(d: Dataset, seed = 0): Dataset {
  return takeRows(d, permutation(d.y.size, seed));
}

/**
 * Hold out a validation set (the practical-aspects text: tune hyperparameters on validation data,
 * never on the test set). Shuffled with `seed`; `validationFraction` of the rows go to validation.
 */
export function trainValidationSplit(d: Dataset, validationFraction: number, seed = 0): { training: Dataset; validation: Dataset } {
  if (!(validationFraction > 0 && validationFraction < 1)) throw new RangeError(`trainValidationSplit: the fraction must be in (0, 1), got ${validationFraction}`);
  const p = permutation(d.y.size, seed);
  const nVal = Math.round(d.y.size * validationFraction);
  return { validation: takeRows(d, p.slice(0, nVal)), training: takeRows(d, p.slice(nVal)) };
}
