import type { Apply, NDArray } from '@hypatia/core';
import type { KernelTable } from './kernel-table.js';
import type { RunContext } from './run-context.js';

/** One step of a compiled function, as a family planned it. */
export interface NativeStep {
  readonly node: Apply;
  /** The C kernel it launches (for describe), if any. */
  readonly kernel?: number;
}

/**
 * A family of steps (an op's IR kernels, views, the gemm, convolution and pooling routines): how a
 * node becomes a step when the function is compiled, and how the step runs in a call. A routine is
 * one file under steps/ set for its op classes in NATIVE_STEPS (steps/index.ts); the executor
 * needs no change.
 */
export interface StepFamily<S extends NativeStep = NativeStep> {
  /** The step's name in describe(). */
  readonly kind: string;
  /**
   * Where the outputs live: 'kernel' (buffers from ctx.allocate, one per output, which the executor
   * recycles when an output stays inside the function), 'alias' (may share its first operand's
   * buffer: views, slices), 'value' (a small array computed in JS from shapes only).
   */
  readonly output: 'kernel' | 'alias' | 'value';
  /** The step for `node`, or null when this family does not run it. */
  plan(node: Apply, kernels: KernelTable): S | null;
  /** The node's output, or its outputs in order when it has several (a random op's new state and sample). */
  run(step: S, ins: readonly NDArray[], ctx: RunContext): NDArray | readonly NDArray[];
  /** A note for describe(), after the step. */
  note?(step: S): string;
  /** The step's name in describe() when it depends on the step (dot or matmul). */
  label?(step: S): string;
}

/** Erases a family's step type for the registry. */
export function family<S extends NativeStep>(f: StepFamily<S>): StepFamily {
  return f as unknown as StepFamily;
}
