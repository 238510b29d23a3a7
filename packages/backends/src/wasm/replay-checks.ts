import { E, I, KernelBuilder, type DType, type Idx, type Kernel } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';
import type { Region } from '@hypatia/ops/backend';

/**
 * What a replayed plan redoes or checks of what the JS path read from values rather than shapes,
 * as IR kernels of one point, printed into the function's module like any other kernel. A failed
 * check sends the call back to the JS path, which raises the op's error (from the same
 * resolveRegion or plan) or records a plan for the new values.
 */

type Bound = number | null | { readonly input: number };

/**
 * A basic index's region for new bound values (int32 scalars): every index in range, every step
 * non-zero, and the region's lengths (and steps given by scalars) those recorded, so the launches
 * made for it still hold. With `derive`, it also writes where the region starts into the plan's
 * slot table: table[dst] = table[src] + base * esize (a slice's view of its source).
 * Buffers: the scalars (int32), the slot table (int32). Parameters: x's lengths, then for each
 * sliced axis its recorded length (and recorded step when a scalar gives it), then src, dst and
 * esize when deriving.
 */
export function regionKernel(indices: readonly AxisIndex[], rank: number, nScalars: number, derive: boolean): Kernel {
  const k = new KernelBuilder(`region_${derive ? 'view' : 'check'}`);
  const scalars = Array.from({ length: nScalars }, () => k.input('int32'));
  const table = k.buffer('int32', 'readwrite');
  const lens = k.params(rank);
  const value = (b: Bound): Idx | null => (b === null ? null : typeof b === 'number' ? I.lit(b) : scalars[b.input]!.read(0));
  const symbolic = (b: Bound) => b !== null && typeof b === 'object';
  const wanted = indices.slice(0, rank).map((a) => (a.kind === 'slice' ? { count: k.param(), step: symbolic(a.step) ? k.param() : null } : null));
  const [src, dst, esize] = derive ? k.params(3) : [];
  k.space();
  // x's strides from its lengths, row-major.
  const strides: Idx[] = [];
  for (let d = rank - 1; d >= 0; d--) strides[d] = d === rank - 1 ? I.lit(1) : I.mul(strides[d + 1]!, lens[d + 1]!);
  let base: Idx = I.lit(0);
  indices.slice(0, rank).forEach((a, axis) => {
    const len = lens[axis]!;
    if (a.kind === 'index') {
      const at = value(a.at)!;
      k.check(I.and(I.le(I.sub(0, len), at), I.lt(at, len)));
      base = I.add(base, I.mul(I.wrap(at, len), strides[axis]!));
      return;
    }
    const step = value(a.step) ?? I.lit(1);
    const want = wanted[axis]!;
    k.check(I.ne(step, 0));
    if (want.step) k.check(I.eq(step, want.step));
    const { first, count } = sliceRangeIdx(len, value(a.start), value(a.stop), step);
    k.check(I.eq(count, want.count));
    base = I.add(base, I.sel(I.lt(0, count), I.mul(first, strides[axis]!), 0));
  });
  if (derive) k.store(table, dst!, E.index(I.add(table.read(src!), I.mul(base, esize!)), 'int32'));
  return k.build();
}

/** Python's slice.indices (sliceRange in the ops package) as index arithmetic, for either sign of step. */
function sliceRangeIdx(len: Idx, start: Idx | null, stop: Idx | null, step: Idx): { first: Idx; count: Idx } {
  const fs = start === null ? I.lit(0) : I.sel(I.lt(start, 0), I.max(0, I.add(start, len)), I.min(start, len));
  const fe = stop === null ? len : I.sel(I.lt(stop, 0), I.max(0, I.add(stop, len)), I.min(stop, len));
  const fCount = I.sel(I.lt(fs, fe), I.div(I.sub(I.add(I.sub(fe, fs), step), 1), step), 0);
  const bs = start === null ? I.sub(len, 1) : I.sel(I.lt(start, 0), I.max(-1, I.add(start, len)), I.min(start, I.sub(len, 1)));
  const be = stop === null ? I.lit(-1) : I.sel(I.lt(stop, 0), I.max(-1, I.add(stop, len)), I.min(stop, I.sub(len, 1)));
  const neg = I.sub(0, step);
  const bCount = I.sel(I.lt(be, bs), I.div(I.sub(I.add(I.sub(bs, be), neg), 1), neg), 0);
  const forward = I.lt(0, step);
  return { first: I.sel(forward, fs, bs), count: I.sel(forward, fCount, bCount) };
}

/** The parameters of a region kernel launch for a region the JS path resolved. */
export function regionParams(indices: readonly AxisIndex[], xShape: readonly number[], region: Region, scalarSteps: readonly (number | null)[], derive?: { src: number; dst: number; esize: number }): number[] {
  const params = [...xShape];
  let out = 0;
  xShape.forEach((_, axis) => {
    const a = indices[axis];
    if (!a) { out++; return; }
    if (a.kind === 'index') return;
    params.push(region.shape[out]!);
    const step = scalarSteps[axis];
    if (step !== null && step !== undefined) params.push(step);
    out++;
  });
  if (derive) params.push(derive.src, derive.dst, derive.esize);
  return params;
}

/**
 * A value input a plan read (arange's bounds, eye's counts): the scalar must still equal the
 * recorded value (a float64 in the plan's data). Buffers: the scalar, the recorded value.
 */
export function sameKernel(dtype: DType): Kernel {
  const k = new KernelBuilder(`same_${dtype}`);
  const x = k.input(dtype);
  const ref = k.input('float64');
  k.space();
  k.check(I.trunc(E.cast(E.eq(E.cast(x.at(0), 'float64'), ref.at(0)), 'int32')));
  return k.build();
}
