import { NDArray, typedArrayFor, type DType } from '@hypatia/core';

/** Output shape of a reduction over `axes`. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/**
 * Fold every element of `x` into its output slot: `acc[o] = step(acc[o], x[i])`, starting from
 * `init`. One pass over the input in memory order, whatever the axes.
 */
export function reduceInto(
  x: NDArray, axes: readonly number[], keepdims: boolean, dtype: DType,
  init: number, step: (acc: number, v: number) => number,
): NDArray {
  const outShape = reducedShape(x.shape, axes, keepdims);
  const n = outShape.reduce((a, b) => a * b, 1);
  const out = typedArrayFor(dtype, n);
  const acc = new Float64Array(n).fill(init);
  // output stride of each input axis (0 on reduced axes)
  const nd = x.shape.length;
  const ostr = new Array<number>(nd).fill(0);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) {
    if (axes.includes(d)) continue;
    ostr[d] = s;
    s *= x.shape[d]!;
  }
  const idx = new Array<number>(nd).fill(0);
  let o = 0;
  const data = x.data;
  for (let i = 0; i < data.length; i++) {
    acc[o] = step(acc[o]!, data[i]!);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      o += ostr[d]!;
      if (idx[d]! < x.shape[d]!) break;
      o -= ostr[d]! * x.shape[d]!;
      idx[d] = 0;
    }
  }
  for (let i = 0; i < n; i++) out[i] = acc[i]!;
  return new NDArray(dtype, outShape, out);
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
