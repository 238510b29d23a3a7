import { compile, evaluate, NDArray, type Backend } from '@hypatia/core';
import type { OpCase } from './op-case.js';
import { elementwiseCases } from './cases/elementwise.js';
import { reduceCases } from './cases/reduce.js';
import { linalgCases } from './cases/linalg.js';
import { shapeCases } from './cases/shape.js';
import { indexingCases } from './cases/indexing.js';
import { nnetCases } from './cases/nnet.js';
import { creationCases } from './cases/creation.js';
import { randomCases } from './cases/random.js';
import { fusedCases } from './cases/fused.js';
import { cumulativeCases } from './cases/cumulative.js';
import { sortingCases } from './cases/sorting.js';
import { controlCases } from './cases/control.js';

export type { OpCase } from './op-case.js';

/** Every op family's cases, in one table. */
export const OP_TABLE: readonly OpCase[] = [
  ...elementwiseCases, ...reduceCases, ...linalgCases, ...shapeCases,
  ...indexingCases, ...nnetCases, ...creationCases, ...randomCases, ...fusedCases,
  ...cumulativeCases, ...sortingCases, ...controlCases,
];

/**
 * Run one case on a backend and compare with the reference semantics. Returns a description of the
 * first disagreement, or null when they agree within tolerance (float32 tolerance by default).
 */
export async function checkCase(c: OpCase, backend: string | Backend, opts: { rtol?: number; atol?: number; rewrites?: boolean } = {}): Promise<string | null> {
  const { inputs, outputs } = c.build();
  const args = c.args();
  const expected = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
  const fn = await compile({ inputs, outputs, backend, rewrites: opts.rewrites });
  const got = await fn(...args);
  const rtol = c.rtol ?? opts.rtol ?? 1e-4;
  const atol = opts.atol ?? 1e-5;
  for (let k = 0; k < outputs.length; k++) {
    const diff = compareArrays(expected[k]!, got[k]!, rtol, atol);
    if (diff) return `${c.name} output ${k}: ${diff}`;
  }
  return null;
}

/**
 * Why `got` differs from `want` (shape, dtype, or the first element outside rtol/atol, NaN matching NaN), or null when they agree.
 */
export function compareArrays(want: NDArray, got: NDArray, rtol: number, atol: number): string | null {
  if (want.shape.length !== got.shape.length || want.shape.some((d, i) => d !== got.shape[i])) {
    return `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  }
  if (want.dtype !== got.dtype) return `dtype ${got.dtype}, expected ${want.dtype}`;
  for (let i = 0; i < want.size; i++) {
    const a = want.data[i]!;
    const b = got.data[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(a))) return `element ${i} is ${b}, expected ${a}`;
  }
  return null;
}
