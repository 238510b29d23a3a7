import { Constant, HypatiaError, Variable, ShapeError, stridesOf, type Apply, type Dim, type NDArray, type TensorType } from '@hypatia/core';
import { buildError } from './build-error.js';

/**
 * How a basic index (Theano's Subtensor, NumPy's `x[1:5:2, i, ::-1]`) is written into an op's
 * properties. A bound fixed when the graph is built is a number, an absent one is null, and a
 * symbolic one names the op's k-th scalar input, so equal indexings compare equal in CSE.
 */
export type Bound = number | null | { readonly input: number };
/**
 * One axis of a basic index as an op stores it: a slice with its bounds, or a single position (which drops the axis).
 */
export type AxisIndex =
  | { readonly kind: 'slice'; readonly start: Bound; readonly stop: Bound; readonly step: Bound }
  | { readonly kind: 'index'; readonly at: number | { readonly input: number } };

/** What a user writes for one axis: an integer (drops the axis), a [start, stop, step] triple, or null for the whole axis. */
export type IndexScalar = number | Variable;
/** A slice as a user writes it: [start, stop, step], each optional, a number or an int32 scalar variable. */
export type SliceTuple = readonly [start?: IndexScalar | null, stop?: IndexScalar | null, step?: IndexScalar | null];
/** One axis of a basic index as a user writes it: a position, a SliceTuple, or null for the whole axis. */
export type IndexEntry = IndexScalar | SliceTuple | null;

/** Turn user entries into properties plus the symbolic scalars they refer to. */
export function parseIndices(entries: readonly IndexEntry[], ndim: number, op: string): { indices: AxisIndex[]; scalars: Variable[] } {
  if (entries.length > ndim) throw buildError(op, `${entries.length} indices given for a tensor of ${ndim} dimensions`);
  const scalars: Variable[] = [];
  const bound = (b: IndexScalar | null | undefined, what: string): Bound => {
    if (b === null || b === undefined) return null;
    if (typeof b === 'number') {
      if (!Number.isInteger(b)) throw buildError(op, `${what} ${b} is not an integer`);
      return b;
    }
    if (!(b instanceof Variable)) throw buildError(op, `${what} must be a number, an int32 scalar variable or undefined`);
    if (b.ndim !== 0 || b.dtype !== 'int32') throw buildError(op, `${what} must be an int32 scalar, got ${b} : ${b.type} (index with integer arrays through advancedIndex or take)`);
    // A constant bound is as good as a number: it gives a static shape.
    if (b instanceof Constant) return b.value.item();
    scalars.push(b);
    return { input: scalars.length - 1 };
  };
  const indices = entries.map((e, axis): AxisIndex => {
    if (e === null) return { kind: 'slice', start: null, stop: null, step: null };
    if (Array.isArray(e)) {
      const t = e as SliceTuple;
      if (t.length > 3) throw buildError(op, `a slice has at most [start, stop, step], got ${t.length} entries on axis ${axis}`);
      const step = bound(t[2], `step on axis ${axis}`);
      if (step === 0) throw buildError(op, `step on axis ${axis} must not be zero`);
      return { kind: 'slice', start: bound(t[0], `start on axis ${axis}`), stop: bound(t[1], `stop on axis ${axis}`), step };
    }
    const at = bound(e as IndexScalar, `index on axis ${axis}`);
    return { kind: 'index', at: at as number | { input: number } };
  });
  return { indices, scalars };
}

/** Check the scalar operands' types and count against the properties. */
export function checkScalarOperands(indices: readonly AxisIndex[], scalars: readonly TensorType[], x: TensorType): void {
  if (indices.length > x.ndim) throw new ShapeError(`${indices.length} indices for a tensor of ${x.ndim} dimensions`);
  let needed = 0;
  const count = (b: Bound) => { if (b !== null && typeof b === 'object') needed = Math.max(needed, b.input + 1); };
  for (const a of indices) {
    if (a.kind === 'slice') { count(a.start); count(a.stop); count(a.step); } else count(a.at);
  }
  if (needed !== scalars.length) throw new ShapeError(`the indices refer to ${needed} scalar operands but ${scalars.length} were given`);
  scalars.forEach((t, k) => {
    if (t.ndim !== 0 || t.dtype !== 'int32') throw new ShapeError(`index operand ${k} must be an int32 scalar, got ${t}`);
  });
}

/** Python's slice.indices: the first position and the number of elements taken along an axis of length `len`. */
export function sliceRange(len: number, start: number | null, stop: number | null, step: number): { first: number; count: number } {
  if (step > 0) {
    const s = start === null ? 0 : start < 0 ? Math.max(0, start + len) : Math.min(start, len);
    const e = stop === null ? len : stop < 0 ? Math.max(0, stop + len) : Math.min(stop, len);
    return { first: s, count: e > s ? Math.ceil((e - s) / step) : 0 };
  }
  const s = start === null ? len - 1 : start < 0 ? Math.max(-1, start + len) : Math.min(start, len - 1);
  const e = stop === null ? -1 : stop < 0 ? Math.max(-1, stop + len) : Math.min(stop, len - 1);
  return { first: s, count: s > e ? Math.ceil((s - e) / -step) : 0 };
}

/** The result's static shape: known where the bounds are numbers and the axis length is known. */
export function staticIndexedShape(indices: readonly AxisIndex[], shape: readonly Dim[]): Dim[] {
  const out: Dim[] = [];
  shape.forEach((len, axis) => {
    const a = indices[axis];
    if (!a) { out.push(len); return; }
    if (a.kind === 'index') {
      if (typeof a.at === 'number' && len !== null && (a.at >= len || a.at < -len)) {
        throw new ShapeError(`index ${a.at} is out of bounds for axis ${axis} with size ${len}`);
      }
      return;
    }
    const step = a.step ?? 1;
    const fixed = (b: Bound): b is number | null => b === null || typeof b === 'number';
    if (typeof step === 'number' && fixed(a.start) && fixed(a.stop)) {
      if (len !== null) { out.push(sliceRange(len, a.start, a.stop, step).count); return; }
      // A whole axis walked with a unit step keeps its (unknown) length.
      if (a.start === null && a.stop === null && Math.abs(step) === 1) { out.push(len); return; }
    }
    out.push(null);
  });
  return out;
}

/** A strided view of `x`'s data: where it starts, its shape, and the source stride of each of its axes. */
export interface Region {
  base: number;
  shape: number[];
  strides: number[];
}

/** Resolve the indexing against a concrete shape and the scalar operands' values (run-time errors name the op). */
export function resolveRegion(indices: readonly AxisIndex[], xShape: readonly number[], scalars: readonly NDArray[], op: string, node: Apply): Region {
  const value = (b: Bound): number | null => (b === null || typeof b === 'number' ? b : scalars[b.input]!.item());
  const xStrides = stridesOf(xShape);
  const region: Region = { base: 0, shape: [], strides: [] };
  xShape.forEach((len, axis) => {
    const a = indices[axis];
    if (!a) { region.shape.push(len); region.strides.push(xStrides[axis]!); return; }
    if (a.kind === 'index') {
      const i = value(a.at)!;
      if (i >= len || i < -len) throw new HypatiaError(op, `index ${i} is out of bounds for axis ${axis} with size ${len}`, node.site);
      region.base += (i < 0 ? i + len : i) * xStrides[axis]!;
      return;
    }
    const step = value(a.step) ?? 1;
    if (step === 0) throw new HypatiaError(op, `step on axis ${axis} is zero at run time`, node.site);
    const { first, count } = sliceRange(len, value(a.start), value(a.stop), step);
    if (count > 0) region.base += first * xStrides[axis]!;
    region.shape.push(count);
    region.strides.push(step * xStrides[axis]!);
  });
  return region;
}

/** Render one axis the NumPy way, for debugPrint: `1:5:2`, `i0`, `::-1`. */
export function formatIndices(indices: readonly AxisIndex[]): string {
  const b = (x: Bound) => (x === null ? '' : typeof x === 'number' ? String(x) : `s${x.input}`);
  return indices.map((a) => (a.kind === 'index' ? b(a.at) : `${b(a.start)}:${b(a.stop)}${a.step === null ? '' : `:${b(a.step)}`}`)).join(', ');
}
