import type { Apply, DType, NDArray, TypedArray } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';
import type { Region } from '@hypatia/ops/backend';

/**
 * What a step runner may do during one call, the executor's side of the step families (steps/).
 * What a runner reads from the values of its operands (rather than their shapes) goes through
 * `same` and `slice`, so a recorded plan can redo or check it in C.
 */
export interface RunContext {
  /**
   * The buffer for `node`'s output number `output` (default the first): recycled when it stays
   * inside the function, fresh when it leaves. Every call gives a new value its own buffer.
   */
  allocate(node: Apply, dtype: DType, shape: readonly number[], output?: number): NDArray;
  /** Launch kernel `k` on typed arrays (inputs, then outputs) with integer parameters; true when a check in it failed. */
  launch(k: number, buffers: readonly ArrayBufferView[], params: Float64Array): boolean;
  /** A scratch buffer for this step only (recycled after it). */
  scratch(dtype: DType, n: number): TypedArray;
  /**
   * The values of scalars the step's launches were planned from (the bounds behind an output's
   * shape): a replay checks they still hold them, and other values send the call to the JS path.
   */
  same(scalars: readonly NDArray[]): void;
  /** An elementwise launch: `ins` into `out`, element i of each operand of `out`'s shape read before element i is written. */
  launchElementwise(k: number, ins: readonly NDArray[], out: NDArray, params: Float64Array): void;
  /** A basic index of `x` by bounds read from int32 scalars: its region and its data from the region's start (a view of `x`). */
  slice(node: Apply, indices: readonly AxisIndex[], x: NDArray, scalars: readonly NDArray[]): { region: Region; contiguous: boolean; data: TypedArray };
}
