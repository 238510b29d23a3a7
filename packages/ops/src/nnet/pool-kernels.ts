import { E, I, type Buf, type DType, type Expr, type Idx, type KernelBuilder } from '@hypatia/core';
import { poolAxis, poolImages, windowAt, windowsContaining, type PoolAxis, type PoolParams } from './pool-geometry.js';

/**
 * What the pooling kernels share: their parameters (the geometry of pool-geometry.ts, computed by
 * the plan), the walk over a window and the gather of an input element's windows.
 */
export interface PoolKernelAxes {
  /** Stacked images (the product of the leading axes). */
  m: Idx;
  rows: PoolAxis<Idx>;
  cols: PoolAxis<Idx>;
}

/** Declares a pooling kernel's parameters: the images, then each axis's PoolAxis fields. */
export function declarePoolAxes(k: KernelBuilder): PoolKernelAxes {
  const axis = (): PoolAxis<Idx> => {
    const [n, out, window, stride, pad] = k.params(5) as [Idx, Idx, Idx, Idx, Idx];
    return { n, out, window, stride, pad };
  };
  const m = k.param();
  return { m, rows: axis(), cols: axis() };
}

/** The parameters of a pooling launch for an input of `shape`, in the order of declarePoolAxes. */
export function poolKernelParams(p: PoolParams, shape: readonly number[]): number[] {
  const { m, h, w } = poolImages(shape);
  const axis = (ax: PoolAxis<number>) => [ax.n, ax.out, ax.window, ax.stride, ax.pad];
  return [m, ...axis(poolAxis(p, 0, h)), ...axis(poolAxis(p, 1, w))];
}

/** Offset of image `img` in the input (and in the input's gradient). */
export function imageBase(P: PoolKernelAxes, img: Idx): Idx {
  return I.mul(img, I.mul(P.rows.n, P.cols.n));
}

/** Offset of window (a, b) of image `img` in the pooled output. */
export function pooledIndex(P: PoolKernelAxes, img: Idx, a: Idx, b: Idx): Idx {
  return I.add(I.mul(I.add(I.mul(img, P.rows.out), a), P.cols.out), b);
}

/**
 * The position (row · w + column, in its image) of window (a, b)'s first maximum, -1 for an empty
 * window: the reference's fold `v > best` over the window in row-major order. A NaN wins only as
 * the window's first element (nothing is greater than it); a later NaN never does.
 */
export function windowArgmax(k: KernelBuilder, x: Buf, P: PoolKernelAxes, base: Idx, a: Idx, b: Idx): Expr {
  const R = windowAt(a, P.rows);
  const C = windowAt(b, P.cols);
  return k.reduce('argmax', [[R.lo, R.hi], [C.lo, C.hi]], ([r, c]) => {
    const v = x.at(I.add(base, I.add(I.mul(r!, P.cols.n), c!)));
    const later = I.or(I.ne(r!, R.lo), I.ne(c!, C.lo));
    return E.select(E.call('and', [E.call('isnan', [v]), E.index(later, 'bool')]), E.c(-Infinity, x.dtype), v);
  }, { at: ([r, c]) => I.add(I.mul(r!, P.cols.n), c!) });
}

/** One window's share of an input element's gradient: a float64 value, added when `when` holds (always without). */
export interface WindowShare {
  when?: Idx;
  value: Expr;
}

/**
 * The gradient of input element (img, r, c) gathered from the windows that contain it, in the
 * order the reference scatters them (row-major over windows), each share added in double and
 * rounded into `dtype` as the reference's `gx[i] += share` is. The chain is unrolled over the at
 * most `steps` windows per axis (ceil(window / stride), fixed by the op), so points stay
 * independent and the rounding after each addition is the reference's in every printer.
 */
export function gatherWindowShares(
  k: KernelBuilder, P: PoolKernelAxes, img: Idx, r: Idx, c: Idx, steps: readonly [number, number], dtype: DType,
  share: (a: Idx, b: Idx, o: Idx) => WindowShare,
): Expr {
  const R = windowsContaining(r, P.rows);
  const C = windowsContaining(c, P.cols);
  let acc: Expr = E.c(0, dtype);
  for (let ta = 0; ta < steps[0]; ta++) {
    for (let tb = 0; tb < steps[1]; tb++) {
      const a = I.add(R.first, ta);
      const b = I.add(C.first, tb);
      const s = share(a, b, pooledIndex(P, img, a, b));
      // `and` evaluates its right side only when the window exists, so a share's loads stay in bounds.
      const exists = I.and(I.lt(a, R.end), I.lt(b, C.end));
      const when = s.when ? I.and(exists, s.when) : exists;
      acc = k.let(E.select(E.index(when, 'bool'), E.cast(E.add(E.cast(acc, 'float64'), s.value), dtype), acc));
    }
  }
  return acc;
}
