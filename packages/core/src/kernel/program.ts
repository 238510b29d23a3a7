import type { DType } from '../dtype.js';
import type { NDArray } from '../ndarray.js';
import type { Kernel } from './ir.js';

/** A buffer a launch binds: one of the node's inputs or outputs, or a scratch buffer of the plan. */
export type BufferRef = { readonly input: number } | { readonly output: number } | { readonly temp: number };

/** One kernel launch of a plan: which kernel, the buffers bound to it, and its integer parameters. */
export interface Launch {
  /** Index into the program's kernels. */
  readonly kernel: number;
  /** One per buffer the kernel declares, in order. */
  readonly buffers: readonly BufferRef[];
  /** The kernel's integer parameters. */
  readonly params: readonly number[];
}

/** What a call of the node does for inputs of given shapes: its outputs' shapes and the launches, in order. */
export interface LaunchPlan {
  readonly outputs: readonly (readonly number[])[];
  readonly temps?: readonly { readonly dtype: DType; readonly size: number }[];
  readonly launches: readonly Launch[];
}

/** An operand as a plan sees it: its run-time shape, and its values when the program asked for them. */
export interface PlanOperand {
  readonly shape: readonly number[];
  readonly value?: NDArray;
}

/**
 * How an op runs on every backend: its kernels, printed once per compiled function, and a plan
 * computed for each call from the operands' shapes. The plan makes the op's run-time checks on
 * shapes (throwing the op's own error); checks on values are `check` statements in the kernels.
 * Outputs are contiguous, row-major and fully written by the launches (with `temps` for scratch).
 */
export interface KernelProgram {
  readonly kernels: readonly Kernel[];
  /**
   * Inputs whose values the plan needs (small int32 scalars: arange bounds, eye's size). A backend
   * that replays recorded launches must plan again when they change.
   */
  readonly valueInputs?: readonly number[];
  plan(operands: readonly PlanOperand[]): LaunchPlan;
}
