import type { DType } from '../dtype.js';

/** A static dimension: a known length, or null when only the run-time value will tell. */
export type Dim = number | null;

/**
 * A tensor type: dtype plus static shape. As in Theano, a dimension broadcasts only when it is
 * statically 1; an unknown dimension must match its partner at run time.
 */
export class TensorType {
  readonly shape: readonly Dim[];
  constructor(readonly dtype: DType, shape: readonly Dim[]) {
    this.shape = [...shape];
  }

  get ndim(): number { return this.shape.length; }

  equals(o: TensorType): boolean {
    return this.dtype === o.dtype && this.shape.length === o.shape.length && this.shape.every((d, i) => d === o.shape[i]);
  }

  /** `float32[?, 784]` */
  toString(): string {
    return `${this.dtype}[${this.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
  }

  withDtype(dtype: DType): TensorType { return new TensorType(dtype, this.shape); }

  /**
   * The one type-compatibility check: can a value of `actual`'s dtype and shape (another type, a
   * variable, or an array) stand where this type is declared? The dtypes and ranks must be equal and
   * every length that both know must agree; an unknown length on either side fits. Null when it
   * fits; otherwise what differs, for an error message that names both sides.
   */
  mismatch(actual: Typed): string | null {
    if (actual.dtype !== this.dtype) return `the dtype is ${actual.dtype}, not ${this.dtype}`;
    if (actual.shape.length !== this.ndim) return `it has ${actual.shape.length} dimension${actual.shape.length === 1 ? '' : 's'}, not ${this.ndim}`;
    const axis = this.shape.findIndex((d, i) => d !== null && actual.shape[i] !== null && d !== actual.shape[i]);
    return axis === -1 ? null : `axis ${axis} has length ${actual.shape[axis]}, not ${this.shape[axis]}`;
  }

  /** Does a concrete shape fit this type (the shape half of `mismatch`)? */
  accepts(shape: readonly number[]): boolean {
    return this.mismatch({ dtype: this.dtype, shape }) === null;
  }
}

/** What `TensorType.mismatch` compares: a TensorType, a Variable or an NDArray. */
export interface Typed {
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

/** Static broadcasting (right-aligned, 1 stretches). Returns an error string instead of throwing. */
export function broadcastStatic(shapes: readonly (readonly Dim[])[]): Dim[] | string {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = new Array(nd).fill(1);
  for (let k = 0; k < nd; k++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const j = s.length - nd + k;
      const e: Dim = j < 0 ? 1 : s[j]!;
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (e !== null && d !== null && e !== d) return `dimension ${k} (from the right: ${nd - k}) is ${d} in one operand and ${e} in another`;
      else if (d === null) d = e;
    }
    out[k] = d;
  }
  return out;
}

/** Run-time broadcasting of concrete shapes (1 stretches); `broadcastDeclared` adds Theano's rule on declared types. */
export function broadcastRuntime(shapes: readonly (readonly number[])[]): number[] | string {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (let k = 0; k < nd; k++) {
    let d = 1;
    for (const s of shapes) {
      const j = s.length - nd + k;
      const e = j < 0 ? 1 : s[j]!;
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (e !== d) return `shapes [${shapes.map((x) => x.join(', ')).join('] and [')}] do not broadcast (dimension ${k}: ${d} vs ${e})`;
    }
    out[k] = d;
  }
  return out;
}

/**
 * Run-time broadcasting with Theano's rule: operands of concrete `shapes` and static `types` give
 * their broadcast shape, or why they do not broadcast (a length-1 axis may only stretch where its
 * type declares it 1), phrased for an error about the op that read them.
 */
export function broadcastDeclared(shapes: readonly (readonly number[])[], types: readonly TensorType[]): number[] | string {
  const shape = broadcastRuntime(shapes);
  if (typeof shape === 'string') return `at run time: ${shape}`;
  for (let i = 0; i < shapes.length; i++) {
    const rt = shapes[i]!;
    const st = types[i]!.shape;
    for (let k = 0; k < rt.length; k++) {
      const outDim = shape[shape.length - rt.length + k]!;
      if (rt[k] === 1 && outDim !== 1 && st[k] !== 1) {
        return `at run time operand ${i} has length 1 on axis ${k} where the result has ${outDim}, but its type ${types[i]} does not declare that axis broadcastable (use dimshuffle/row/col)`;
      }
    }
  }
  return shape;
}

/** A static shape as text, unknown lengths as `?`: `[?, 784]`. */
export function shapeToString(shape: readonly Dim[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
