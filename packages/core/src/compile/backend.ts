import type { NDArray } from '../ndarray.js';
import type { DeviceValue, SharedVariable, Variable } from '../graph/variable.js';
import type { FunctionGraph } from '../graph/fgraph.js';
import { HypatiaError } from '../errors.js';

/** What a backend is handed: the optimised graph and which of its outputs are updates. */
export interface LowerSpec {
  graph: FunctionGraph;
  /** Explicit inputs, in call order. */
  inputs: readonly Variable[];
  /** The first `nOutputs` graph outputs are returned to the caller; the rest are new values of `updated`. */
  nOutputs: number;
  updated: readonly SharedVariable[];
  /** Backend-specific options passed to compile(). */
  options: Readonly<Record<string, unknown>>;
  name: string;
}

/**
 * What one call of an Executable returns: the outputs, and the new values of the updated shared variables.
 */
export interface RunResult {
  outputs: NDArray[];
  /** New values for `updated`, in order: host arrays, or values left on the device. */
  updates: (NDArray | DeviceValue)[];
}

/** A compiled function on one backend. */
export interface Executable {
  run(args: readonly NDArray[], opts?: { readOutputs?: boolean }): Promise<RunResult>;
  /** The kernels / steps it runs, for debugPrint. */
  describe(): string;
  /** Number of kernels (fused groups and op calls) one call runs. */
  readonly kernelCount: number;
  /**
   * Set when the backend compile() was given handed the graph to another one (the 'cpu' backend
   * without a working C compiler runs 'reference'): the name of the backend that runs it.
   */
  readonly backend?: string;
  /**
   * The ops it runs as their JS `perform` between its compiled kernels (the native backend's host
   * ops), by name, each once; empty or absent when every op runs compiled.
   */
  readonly hostOps?: readonly string[];
}

/** A backend: lowers an optimised graph to an Executable. Register one by name with `registerBackend`. */
export interface Backend {
  readonly name: string;
  /**
   * Opt-in rewrites this backend can run the results of (for example 'producer_fusion', whose
   * Fused nodes only some backends lower). compile() adds them to the user's `include`.
   */
  readonly supportedRewrites?: readonly string[];
  /**
   * The backendOptions keys it reads; compile() rejects any other, naming the nearest valid one.
   * A backend that leaves this out gets its options unchecked.
   */
  readonly optionNames?: readonly string[];
  lower(spec: LowerSpec): Executable | Promise<Executable>;
}

const registry = new Map<string, () => Backend | Promise<Backend>>();

/** Make a backend available by name to compile({backend}). @hypatia/backends registers its own on import. */
export function registerBackend(name: string, factory: () => Backend | Promise<Backend>): void {
  registry.set(name, factory);
}

/**
 * The backend `compile` will use for `b`: the object itself, or the registered backend of that name (default 'cpu').
 */
export async function resolveBackend(b: string | Backend | undefined): Promise<Backend> {
  if (b && typeof b !== 'string') return b;
  const name = b ?? 'cpu';
  const f = registry.get(name);
  if (!f) {
    const known = [...registry.keys()];
    throw new HypatiaError('compile', known.length
      ? `unknown backend '${name}'; registered: ${known.join(', ')}`
      : `no backend is registered; import '@hypatia/backends' once in your program`);
  }
  return f();
}

/** The names of the registered backends, in registration order. */
export function registeredBackends(): string[] {
  return [...registry.keys()];
}
