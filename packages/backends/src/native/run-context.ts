import type { Apply, DType, NDArray, TypedArray } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';
import type { Region, RowAt } from '@hypatia/ops/backend';

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
  /**
   * A launch writing `update.out` that reads the operands `pointwise` element for element (element i
   * before writing element i) and the buffers `anywhere` at any element: an update it makes may be
   * written into a pointwise operand's buffer, never into one read anywhere. True when a check failed.
   */
  launchUpdate(k: number, buffers: readonly ArrayBufferView[], params: Float64Array, update: { out: NDArray; pointwise: readonly NDArray[]; anywhere: readonly ArrayBufferView[] }): boolean;
  /** A basic index of `x` by bounds read from int32 scalars: its region and its data from the region's start (a view of `x`). */
  slice(node: Apply, indices: readonly AxisIndex[], x: NDArray, scalars: readonly NDArray[]): { region: Region; contiguous: boolean; data: TypedArray };
  /** `length` elements of `parent` from element `offset` on, for the rest of the call (a loop's stacked rows after its initial state). */
  view(parent: TypedArray, offset: number, length: number): TypedArray;
  /**
   * A loop of `steps` steps: `body(ctx, t)` runs step t with the context to use for it and returns
   * its stop condition (a scalar: the loop stops after a step where it is true) or null. A replay
   * runs it as one LOOP instruction whose body is step 0's instructions, so every step must make
   * the same launches (its shapes do not change from step to step); what differs is the rows the
   * step reads and writes, given by `row`. `count` receives the steps run, which it returns.
   */
  loop(steps: number, body: (ctx: RunContext, t: number) => NDArray | null, count?: NDArray): number;
  /** Inside a loop's step t: row `at(t)` of `parent` (rows of `rowElements` elements), placed again at each step of a replay. */
  row(parent: TypedArray, rowElements: number, at: RowAt, t: number): TypedArray;
  /** A branch is taken because `cond` is true or false: a replay holds only while it still is. */
  truth(cond: NDArray): void;
  /** This call cannot be replayed, and why (an op's JS perform inside a loop). */
  notReplayable(why: string): void;
}
