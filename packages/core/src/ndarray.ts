import { type DType, type TypedArray, typedArrayFor, dtypeOfArray } from './dtype.js';

/** A dense, row-major host array: what compiled functions take and return. */
export class NDArray {
  readonly size: number;
  constructor(readonly dtype: DType, readonly shape: readonly number[], readonly data: TypedArray) {
    this.size = shapeSize(shape);
    if (data.length !== this.size) {
      throw new Error(`NDArray: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${this.size}`);
    }
  }

  static zeros(dtype: DType, shape: readonly number[]): NDArray {
    return new NDArray(dtype, [...shape], typedArrayFor(dtype, shapeSize(shape)));
  }

  static fromTyped(data: TypedArray, shape?: readonly number[]): NDArray {
    return new NDArray(dtypeOfArray(data), shape ? [...shape] : [data.length], data);
  }

  /** Build from a (nested) JS array or a number; the shape is read off the nesting. */
  static from(value: ArrayLike<unknown> | number | boolean, dtype: DType = 'float64'): NDArray {
    if (typeof value === 'number' || typeof value === 'boolean') {
      const a = typedArrayFor(dtype, 1);
      a[0] = Number(value);
      return new NDArray(dtype, [], a);
    }
    const shape: number[] = [];
    let v: unknown = value;
    while (Array.isArray(v) || ArrayBuffer.isView(v)) {
      shape.push((v as ArrayLike<unknown>).length);
      v = (v as ArrayLike<unknown>)[0];
    }
    const out = typedArrayFor(dtype, shapeSize(shape));
    let k = 0;
    const walk = (x: unknown, depth: number): void => {
      if (depth === shape.length) { out[k++] = Number(x); return; }
      const arr = x as ArrayLike<unknown>;
      if (!(Array.isArray(arr) || ArrayBuffer.isView(arr)) || arr.length !== shape[depth]) {
        throw new Error(`NDArray.from: ragged nested array (expected length ${shape[depth]} at depth ${depth})`);
      }
      for (let i = 0; i < arr.length; i++) walk(arr[i], depth + 1);
    };
    walk(value, 0);
    return new NDArray(dtype, shape, out);
  }

  get ndim(): number { return this.shape.length; }

  /** Convert to another dtype (a copy, even when the dtype is unchanged). */
  astype(dtype: DType): NDArray {
    const out = typedArrayFor(dtype, this.size);
    if (dtype === 'int32') for (let i = 0; i < this.size; i++) out[i] = Math.trunc(this.data[i]!);
    else if (dtype === 'bool') for (let i = 0; i < this.size; i++) out[i] = this.data[i] ? 1 : 0;
    else out.set(this.data);
    return new NDArray(dtype, [...this.shape], out);
  }

  copy(): NDArray {
    return new NDArray(this.dtype, [...this.shape], this.data.slice() as TypedArray);
  }

  reshape(shape: readonly number[]): NDArray {
    return new NDArray(this.dtype, [...shape], this.data);
  }

  /** The value of a 0-d (or single-element) array. */
  item(): number {
    if (this.size !== 1) throw new Error(`NDArray.item: array of shape [${this.shape.join(', ')}] is not a scalar`);
    return this.data[0]!;
  }

  /** Nested JS arrays, for printing and tests. */
  toArray(): unknown {
    if (this.shape.length === 0) return this.data[0];
    let k = 0;
    const build = (d: number): unknown[] => {
      const n = this.shape[d]!;
      const r: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) r[i] = d === this.shape.length - 1 ? this.data[k++] : build(d + 1);
      return r;
    };
    return build(0);
  }

  toString(): string {
    return `NDArray<${this.dtype}>[${this.shape.join(', ')}]`;
  }
}

/** The number of elements of an array of this shape (1 for a scalar's `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides of a contiguous array of this shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

/** Whether two shapes have the same rank and lengths. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
