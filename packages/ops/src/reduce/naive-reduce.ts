import { NDArray, mulberry32, type DType } from '@hypatia/core';

/**
 * A test oracle: group the elements of `x` by their position outside `axes` (each group in
 * row-major order over `axes`) and fold each group with `f`. Slow and obviously right.
 */
export function naiveReduce(x: NDArray, axes: readonly number[], f: (values: number[]) => number): number[] {
  const groups = new Map<number, number[]>();
  const idx = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < x.size; i++) {
    let o = 0;
    for (let d = 0; d < x.ndim; d++) if (!axes.includes(d)) o = o * x.shape[d]! + idx[d]!;
    const g = groups.get(o);
    if (g) g.push(x.data[i]!); else groups.set(o, [x.data[i]!]);
    for (let d = x.ndim - 1; d >= 0; d--) {
      if (++idx[d]! < x.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return [...groups.keys()].sort((a, b) => a - b).map((k) => f(groups.get(k)!));
}

/** Seeded values in [lo, hi) (floats are distinct, so max and min have no ties). */
export function sample(shape: readonly number[], seed: number, dtype: DType = 'float64', lo = -2, hi = 2): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) {
    const v = lo + r() * (hi - lo);
    a.data[i] = dtype === 'int32' ? Math.floor(v) : v;
  }
  return a;
}
