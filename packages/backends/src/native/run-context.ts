import type { Apply, DType, NDArray, TypedArray } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';
import type { Region } from '@hypatia/ops/backend';

/**
 * What a step runner may do during one call, the executor's side of the step families (steps/).
 * Everything a runner computes from the values of its operands (rather than their shapes) goes
 * through the value methods here, so a recorded plan can redo it in C with the same checks.
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
  fill(a: TypedArray, dtype: DType, value: number): void;

  /** A basic index of `x` by bounds read from int32 scalars: its region and its data from the region's start (a view of `x`). */
  slice(node: Apply, indices: readonly AxisIndex[], x: NDArray, scalars: readonly NDArray[]): { region: Region; contiguous: boolean; data: TypedArray };
  /** indexOffsets of the ops package: the index arrays' broadcast shape and the offsets they pick. */
  indexOffsets(node: Apply, idx: readonly NDArray[], dims: readonly number[], strides: readonly number[], axis: number): { shape: number[]; offsets: Int32Array };
  /** labelColumns of the ops package: labels as column indices, checked against the scores' columns. */
  labelColumns(node: Apply, scores: NDArray, labels: NDArray): Int32Array;
  /** arange's bounds read from scalars, checked: its length, and [start, step] for the kernel. */
  arange(node: Apply, start: NDArray, stop: NDArray, step: NDArray): { length: number; bounds: Float64Array };
  /**
   * Sizes read from integer scalars (eye's row and column counts), each checked to be a
   * non-negative integer (`names` say which in the error). The output's shape depends on them, so
   * a replay only checks that they hold the same values; other values send the call to the JS path,
   * which records a plan for them.
   */
  sizes(node: Apply, scalars: readonly NDArray[], names: readonly string[]): number[];
}
