import { NDArray } from '@hypatia/core';
import { Rng } from './rng.js';

/** float32 array of `shape` drawn from N(0, std^2). */
export function normalArray(shape: readonly number[], std: number, rng: Rng): NDArray {
  const a = NDArray.zeros('float32', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = rng.normal() * std;
  return a;
}

let counter = 0;
/** A fresh seed for a layer built without one: deterministic in construction order within a process. */
export function nextLayerSeed(): number {
  return 1234 + 7919 * counter++;
}
