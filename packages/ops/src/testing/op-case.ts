import type { DType, NDArray, Variable } from '@hypatia/core';

/**
 * One row of the op table that every backend runs: a small graph, concrete arguments, and the
 * reference semantics (each op's `perform`) as the oracle.
 */
export interface OpCase {
  /** Unique, e.g. 'add/broadcast-row'. */
  name: string;
  build(): { inputs: Variable[]; outputs: Variable[] };
  /** Fresh arguments for `inputs`, same order. */
  args(): NDArray[];
  /** Looser tolerance for ops whose float32 result legitimately drifts (long sums). */
  rtol?: number;
  /** Backends that cannot run this case, with the reason (e.g. webgpu has no float64). */
  skip?: Partial<Record<string, string>>;
}

/** The skip entry of a row whose graph holds any of `dtypes`: WGSL has no 64-bit float type. */
export function skipFloat64(...dtypes: DType[]): OpCase['skip'] {
  return dtypes.includes('float64') ? { webgpu: 'WebGPU has no float64' } : undefined;
}
