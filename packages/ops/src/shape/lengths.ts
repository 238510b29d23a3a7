import type { Variable } from '@hypatia/core';
import { mul } from '../elementwise/arithmetic.js';
import { shapeOf } from '../creation/shape-of.js';
import type { TargetLength } from './symbolic-reshape.js';

/** Axis d's length: the number v's type knows, else the run-time length as an int32 scalar. */
export function lengthOf(v: Variable, d: number): TargetLength {
  const n = v.shape[d];
  return n !== null && n !== undefined ? n : shapeOf(v, d);
}

/** The product of lengths: a number when all are numbers, else an int32 scalar (1 for none). */
export function productOf(lengths: readonly TargetLength[]): TargetLength {
  if (!lengths.length) return 1;
  return lengths.reduce((p, l) => (typeof p === 'number' && typeof l === 'number' ? p * l : mul(p, l)));
}
