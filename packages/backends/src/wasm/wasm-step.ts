import type { Apply, DType, NDArray } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';
import type { Region, RowAt } from '@hypatia/ops/backend';
import type { WasmKernelTable } from './function-module.js';

/**
 * A buffer in linear memory during one call on the JS path: its address, and its identity for
 * the plan recorder (a view under a new shape keeps its source's block; a slice gets a block of
 * its own, derived from its source's).
 */
export class Block {
  constructor(readonly at: number) {}
}

/** A value in linear memory: contiguous and row-major from its block's address. */
export interface WasmTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly block: Block;
}

/**
 * What a step runner may do during one call on the JS path (the executor's side of the step
 * families). What a runner reads from operand values rather than shapes goes through `same` and
 * `region`, so a replayed plan can check or redo it in WebAssembly.
 */
export interface WasmRunContext {
  /** The buffer for `node`'s output number `output` (default 0); each call gives each value its own. */
  allocate(node: Apply, dtype: DType, shape: readonly number[], output?: number): WasmTensor;
  /** A scratch buffer for this step only. */
  scratch(dtype: DType, n: number): Block;
  /** Launches module function `k` on buffers with integer parameters; true when a check in it failed. */
  launch(k: number, buffers: readonly Block[], params: readonly number[]): boolean;
  /** An elementwise launch, `ins` into `out` (so an update it makes may be written in place on replay). */
  launchElementwise(k: number, ins: readonly WasmTensor[], out: WasmTensor, params: readonly number[]): void;
  /** Scalars a plan was made from: a replay checks they still hold these values (kernel i of `kernels` checks scalar i). */
  same(scalars: readonly WasmTensor[], kernels: readonly number[]): void;
  /**
   * A basic index of `x` by bounds read from int32 scalars: its region, resolved as perform does
   * (with its errors), and, with `view`, a block at the region's start. `kernel` is the index's
   * region kernel (replay-checks.ts), which a replay runs to check (and place) the region again.
   */
  region(node: Apply, indices: readonly AxisIndex[], x: WasmTensor, scalars: readonly WasmTensor[], kernel: number, view: boolean): { region: Region; block: Block | null };
  /** A host copy of a value (the scalars a plan reads, a host op's operands). */
  value(t: WasmTensor): NDArray;
  /** A small array computed from shapes only (a shape), placed in memory as a table the plan keeps. */
  table(node: Apply, data: NDArray): WasmTensor;
  /**
   * A loop of `steps` steps, plan instruction `k` on replay (routines/loop-wasm.ts): `body(ctx, t)`
   * runs step t with the context to use for it and returns its stop condition (a scalar: the loop
   * stops after a step where it is true) or null. A replay runs step 0's launches at every step,
   * so every step must make the same launches; what differs is the rows given by `row`. `count`
   * receives the steps run, which it returns.
   */
  loop(k: number, steps: number, body: (ctx: WasmRunContext, t: number) => WasmTensor | null, count?: WasmTensor): number;
  /** Inside a loop's step t: row `at(t)` of `parent` (rows of `rowBytes` bytes), placed again at each step of a replay. */
  row(parent: Block, rowBytes: number, at: RowAt, t: number): Block;
}

/** One step of a compiled function, as a family planned it. */
export interface WasmStep {
  readonly node: Apply;
}

/** A family of steps (an op's IR kernels, views, the product and convolution routines). */
export interface WasmStepFamily<S extends WasmStep = WasmStep> {
  readonly kind: string;
  /** 'kernel': outputs from ctx.allocate; 'alias': may share its first operand's buffer; 'value': a table from shapes. */
  readonly output: 'kernel' | 'alias' | 'value';
  plan(node: Apply, table: WasmKernelTable): S | null;
  run(step: S, ins: readonly WasmTensor[], ctx: WasmRunContext): WasmTensor | readonly WasmTensor[];
  note?(step: S): string;
}

export function wasmFamily<S extends WasmStep>(f: WasmStepFamily<S>): WasmStepFamily {
  return f as unknown as WasmStepFamily;
}
