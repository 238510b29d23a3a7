import { ShapeError, isFloat, type TensorType } from '@hypatia/core';

/** The nnet ops compute in floating point only; integer activations are almost always a bug upstream. */
export function requireFloat(t: TensorType, what: string): void {
  if (!isFloat(t.dtype)) throw new ShapeError(`${what} must be float32 or float64, got ${t.dtype} (cast it first)`);
}

/** Labels index classes, so they must be int32. */
export function requireInt32(t: TensorType, what: string): void {
  if (t.dtype !== 'int32') throw new ShapeError(`${what} must be int32 class indices, got ${t.dtype}`);
}

/** Two static dimensions agree unless one is unknown. */
export function dimsAgree(a: number | null, b: number | null): boolean {
  return a === null || b === null || a === b;
}
