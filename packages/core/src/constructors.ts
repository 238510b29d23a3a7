import type { DType } from './dtype.js';
import { NDArray } from './ndarray.js';
import { TensorType, type Dim } from './graph/type.js';
import { Constant, SharedVariable, Variable } from './graph/variable.js';
import { HypatiaError } from './errors.js';

/** The default float type of the symbolic constructors (Theano's floatX). Pass a dtype to override per variable. */
export const floatX: DType = 'float32';

/** A free symbolic input of any type: `tensor('float32', [null, 784], 'x')`. */
export function tensor(dtype: DType, shape: readonly Dim[], name?: string): Variable {
  return new Variable(new TensorType(dtype, shape), null, 0, name);
}

export const scalar = (name?: string, dtype: DType = floatX) => tensor(dtype, [], name);
export const vector = (name?: string, dtype: DType = floatX) => tensor(dtype, [null], name);
export const matrix = (name?: string, dtype: DType = floatX) => tensor(dtype, [null, null], name);
/** A matrix with one row (broadcastable along axis 0). */
export const row = (name?: string, dtype: DType = floatX) => tensor(dtype, [1, null], name);
/** A matrix with one column (broadcastable along axis 1). */
export const col = (name?: string, dtype: DType = floatX) => tensor(dtype, [null, 1], name);
export const tensor3 = (name?: string, dtype: DType = floatX) => tensor(dtype, [null, null, null], name);
export const tensor4 = (name?: string, dtype: DType = floatX) => tensor(dtype, [null, null, null, null], name);

export const dscalar = (name?: string) => scalar(name, 'float64');
export const dvector = (name?: string) => vector(name, 'float64');
export const dmatrix = (name?: string) => matrix(name, 'float64');
export const fscalar = (name?: string) => scalar(name, 'float32');
export const fvector = (name?: string) => vector(name, 'float32');
export const fmatrix = (name?: string) => matrix(name, 'float32');
export const iscalar = (name?: string) => scalar(name, 'int32');
export const ivector = (name?: string) => vector(name, 'int32');
export const imatrix = (name?: string) => matrix(name, 'int32');

export type ValueLike = NDArray | number | boolean | ArrayLike<unknown>;

export function toNDArray(value: ValueLike, dtype?: DType): NDArray {
  if (value instanceof NDArray) return dtype && dtype !== value.dtype ? value.astype(dtype) : value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = NDArray.fromTyped(value as Float32Array);
    return dtype && dtype !== arr.dtype ? arr.astype(dtype) : arr;
  }
  const d = dtype ?? (typeof value === 'boolean' ? 'bool' : floatX);
  return NDArray.from(value as ArrayLike<unknown> | number, d);
}

/** A constant in the graph. JS numbers default to floatX. */
export function constant(value: ValueLike, dtype?: DType, name?: string): Constant {
  return new Constant(toNDArray(value, dtype), name);
}

export interface SharedOptions {
  name?: string;
  dtype?: DType;
  /** Static shape; by default every dimension is unknown (free to change with set()), as in Theano. */
  shape?: readonly Dim[];
}

/** A shared variable: state that persists across calls and can be updated by compiled functions. */
export function shared(value: ValueLike, options: SharedOptions | string = {}): SharedVariable {
  const opts = typeof options === 'string' ? { name: options } : options;
  const v = toNDArray(value, opts.dtype);
  const shape = opts.shape ?? v.shape.map(() => null);
  if (shape.length !== v.ndim) throw new HypatiaError(`shared ${opts.name ?? ''}`.trim(), `static shape has ${shape.length} dimensions but the value has ${v.ndim}`);
  return new SharedVariable(value instanceof NDArray ? v.copy() : v, new TensorType(v.dtype, shape), opts.name);
}
