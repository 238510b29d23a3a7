import { NDArray, ShapeError, typedArrayFor, type DType, type TypedArray } from '@hypatia/core';

/** Output shape of a reduction over `axes`. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** The folds the reductions use; each has its loops written out, so no call is made per element. */
export type Fold = 'sum' | 'prod' | 'max' | 'min';

const INIT: Record<Fold, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/**
 * Fold every element of `x` into its output slot, starting from the fold's identity. One pass over
 * the input in memory order, whatever the axes: adjacent axes that are both reduced or both kept
 * merge into one, and the innermost merged run is a plain loop, so the index bookkeeping is paid
 * once per run rather than once per element. max and min propagate NaN, as NumPy does.
 */
export function reduceInto(x: NDArray, axes: readonly number[], keepdims: boolean, dtype: DType, fold: Fold): NDArray {
  const outShape = reducedShape(x.shape, axes, keepdims);
  const n = outShape.reduce((a, b) => a * b, 1);
  const out = typedArrayFor(dtype, n);
  const acc = new Float64Array(n).fill(INIT[fold]);
  const data = x.data;
  if (data.length > 0) {
    const runs = mergeRuns(x.shape, axes);
    const last = runs[runs.length - 1]!;
    const outer = runs.slice(0, -1);
    const L = last.length;
    const count = data.length / L;
    const idx = new Array<number>(outer.length).fill(0);
    let o = 0;
    for (let r = 0, i = 0; r < count; r++, i += L) {
      if (last.reduced) acc[o] = foldRun(fold, acc[o]!, data, i, L);
      else foldInto(fold, acc, o, data, i, L);
      for (let d = outer.length - 1; d >= 0; d--) {
        const run = outer[d]!;
        idx[d]!++;
        o += run.outStride;
        if (idx[d]! < run.length) break;
        o -= run.outStride * run.length;
        idx[d] = 0;
      }
    }
  }
  for (let i = 0; i < n; i++) out[i] = acc[i]!;
  return new NDArray(dtype, outShape, out);
}

/** Fold `len` contiguous elements from `data[i]` into one accumulator. */
function foldRun(fold: Fold, a: number, data: TypedArray, i: number, len: number): number {
  const end = i + len;
  switch (fold) {
    case 'sum': for (let j = i; j < end; j++) a += data[j]!; return a;
    case 'prod': for (let j = i; j < end; j++) a *= data[j]!; return a;
    case 'max': for (let j = i; j < end; j++) { const v = data[j]!; if (v > a || v !== v) a = v; } return a;
    case 'min': for (let j = i; j < end; j++) { const v = data[j]!; if (v < a || v !== v) a = v; } return a;
  }
}

/** Fold `len` contiguous elements from `data[i]` elementwise into `acc[o..]`. */
function foldInto(fold: Fold, acc: Float64Array, o: number, data: TypedArray, i: number, len: number): void {
  switch (fold) {
    case 'sum': for (let j = 0; j < len; j++) acc[o + j] += data[i + j]!; return;
    case 'prod': for (let j = 0; j < len; j++) acc[o + j] *= data[i + j]!; return;
    case 'max': for (let j = 0; j < len; j++) { const v = data[i + j]!; if (v > acc[o + j]! || v !== v) acc[o + j] = v; } return;
    case 'min': for (let j = 0; j < len; j++) { const v = data[i + j]!; if (v < acc[o + j]! || v !== v) acc[o + j] = v; } return;
  }
}

interface Run {
  length: number;
  reduced: boolean;
  /** Step in the output per step along this run (0 when reduced). */
  outStride: number;
}

/** Merge adjacent axes of the same kind (reduced or kept); drop length-1 axes. Always at least one run. */
function mergeRuns(shape: readonly number[], axes: readonly number[]): Run[] {
  const runs: Run[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const reduced = axes.includes(i);
    const prev = runs[runs.length - 1];
    if (prev && prev.reduced === reduced) prev.length *= d;
    else runs.push({ length: d, reduced, outStride: 0 });
  });
  if (!runs.length) runs.push({ length: 1, reduced: false, outStride: 0 });
  let s = 1;
  for (let r = runs.length - 1; r >= 0; r--) {
    if (runs[r]!.reduced) continue;
    runs[r]!.outStride = s;
    s *= runs[r]!.length;
  }
  return runs;
}

/** Normalise an axes argument: undefined means all, negatives count from the end; sorted, unique. */
export function normAxes(axes: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  const list = axes === undefined ? Array.from({ length: ndim }, (_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const norm = list.map((a) => {
    const b = a < 0 ? a + ndim : a;
    if (!Number.isInteger(b) || b < 0 || b >= ndim) throw new RangeError(`${op}: axis ${a} is out of range for ${ndim} dimensions`);
    return b;
  });
  if (new Set(norm).size !== norm.length) throw new RangeError(`${op}: repeated axis in [${list.join(', ')}]`);
  return norm.sort((a, b) => a - b);
}

/** For a reduction op's type rule: its axes (normalised by the builder) must be sorted, unique and in range. */
export function checkAxes(axes: readonly number[], ndim: number): void {
  axes.forEach((a, i) => {
    if (!Number.isInteger(a) || a < 0 || a >= ndim) throw new ShapeError(`axis ${a} is out of range for ${ndim} dimensions`);
    if (i > 0 && a <= axes[i - 1]!) throw new ShapeError(`axes [${axes.join(', ')}] must be sorted and unique`);
  });
}
