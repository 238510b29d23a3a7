/** The element types a tensor can hold. `bool` is stored as one byte per element. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every dtype, narrowest first: the order `upcast` promotes along. */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

/**
 * The typed array that holds each dtype's elements: Float32Array, Float64Array, Int32Array, or Uint8Array for bool.
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Whether `d` is a floating-point dtype (float32 or float64). */
export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/** Whether `d` holds integers (int32, or bool as 0 and 1). */
export function isInteger(d: DType): boolean {
  return d === 'int32' || d === 'bool';
}

/** NumPy-style promotion restricted to our four dtypes. */
export function upcast(...ds: DType[]): DType {
  let rank = 0;
  for (const d of ds) rank = Math.max(rank, DTYPES.indexOf(d));
  return DTYPES[rank]!;
}

/** The float type an integer operation is promoted to when it must produce a fraction (true division, exp). */
export function floatOf(d: DType): DType {
  return isFloat(d) ? d : 'float32';
}

/** A zero-filled typed array of `n` elements of dtype `d`. */
export function typedArrayFor(d: DType, n: number): TypedArray {
  switch (d) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

/** The dtype a typed array holds (a Uint8Array is bool). */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}
