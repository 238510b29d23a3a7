// The contract every column of the table implements. A runner answers null (with a reason in
// `notes`) for a workload it cannot run, and the table shows it as such.
import type { BenchData, NetKind, Param } from './workloads.js';
import type { Budget } from './timing.js';

export interface Runner {
  /** Column key in the JSON rows, e.g. 'tfjs-wasm' or 'hypatia-native'. */
  readonly key: string;
  /**
   * Training examples per second of mini-batch SGD (eta 0.1, log-likelihood) from `params`, step s on
   * mini-batch s mod (batches). Each step's cost is pushed onto `costs` when given, so that runners can
   * be checked to compute the same thing.
   */
  train(kind: NetKind, miniBatch: number, params: Param[], data: BenchData, budget: Budget, costs?: number[]): Promise<number | null>;
  /** Examples per second classifying data.validX (argmax of the softmax). */
  infer(kind: NetKind, params: Param[], data: BenchData, budget: Budget): Promise<number | null>;
  /** GFLOP/s of a float32 [m x k] by [k x n] product, result read back to the host. */
  sgemm(m: number, k: number, n: number, budget: Budget): Promise<number | null>;
  /** Seconds to build and compile the conv training function, or null where the runner has no compile step. */
  compileConv?(cached: boolean, params: Param[], data: BenchData): Promise<number | null>;
  /** Why something was null, or anything a reader should know about this column. */
  readonly notes: string[];
  dispose?(): Promise<void>;
}

/** Deterministic fill for sgemm operands. */
export function filled(n: number, salt = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.7 + salt) * 0.5;
  return a;
}
