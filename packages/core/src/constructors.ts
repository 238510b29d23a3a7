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

/** A free scalar input (rank 0), of floatX unless `dtype` says otherwise (Theano's `T.scalar`). */
export const scalar = (name?: string, dtype: DType = floatX) => tensor(dtype, [], name);
/** A free vector input (rank 1, length unknown), of floatX unless `dtype` says otherwise. */
export const vector = (name?: string, dtype: DType = floatX) => tensor(dtype, [null], name);
/** A free matrix input (rank 2, lengths unknown), of floatX unless `dtype` says otherwise. */
export const matrix = (name?: string, dtype: DType = floatX) => tensor(dtype, [null, null], name);
/** A matrix with one row (broadcastable along axis 0). */
export const row = (name?: string, dtype: DType = floatX) => tensor(dtype, [1, null], name);
/** A matrix with one column (broadcastable along axis 1). */
export const col = (name?: string, dtype: DType = floatX) => tensor(dtype, [null, 1], name);
/** A free rank-3 input, lengths unknown, of floatX unless `dtype` says otherwise. */
export const tensor3 = (name?: string, dtype: DType = floatX) => tensor(dtype, [null, null, null], name);
/**
 * A free rank-4 input (a batch of images: N, C, H, W), lengths unknown, of floatX unless `dtype` says otherwise.
 */
export const tensor4 = (name?: string, dtype: DType = floatX) => tensor(dtype, [null, null, null, null], name);

/** A float64 scalar input. */
export const dscalar = (name?: string) => scalar(name, 'float64');
/** A float64 vector input. */
export const dvector = (name?: string) => vector(name, 'float64');
/** A float64 matrix input. */
export const dmatrix = (name?: string) => matrix(name, 'float64');
/** A float32 scalar input. */
export const fscalar = (name?: string) => scalar(name, 'float32');
/** A float32 vector input. */
export const fvector = (name?: string) => vector(name, 'float32');
/** A float32 matrix input. */
export const fmatrix = (name?: string) => matrix(name, 'float32');
/** An int32 scalar input (an index, a mini-batch number). */
export const iscalar = (name?: string) => scalar(name, 'int32');
/** An int32 vector input (labels, indices). */
export const ivector = (name?: string) => vector(name, 'int32');
/** An int32 matrix input. */
export const imatrix = (name?: string) => matrix(name, 'int32');

/** What a value may be given as: an NDArray, a number or boolean, or nested arrays / a typed array. */
export type ValueLike = NDArray | number | boolean | ArrayLike<unknown>;

/** `value` as an NDArray of `dtype` (default: the array's own, floatX for numbers, bool for booleans). */
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

/** Options of `shared`: a name, a dtype to convert the value to, a static shape. */
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
