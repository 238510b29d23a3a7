/** The element types a tensor can hold. `bool` is stored as one byte per element. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

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

export function typedArrayFor(d: DType, n: number): TypedArray {
  switch (d) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}
