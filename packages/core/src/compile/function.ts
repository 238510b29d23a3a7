import { type DType, isFloat } from '../dtype.js';
import { NDArray } from '../ndarray.js';
import { CallError, HypatiaError } from '../errors.js';
import { Constant, SharedVariable, Variable } from '../graph/variable.js';
import { cloneGraph, graphInputs } from '../graph/traverse.js';
import { debugPrintGraph } from '../graph/print.js';
import { FunctionGraph } from '../graph/fgraph.js';
import { resolveBackend, type Backend, type Executable } from './backend.js';
import { checkBackendOptions } from './backend-options.js';
import { optimize, type RewriteOptions } from '../rewrite/registry.js';
import { readForeignDeviceValues } from './foreign-values.js';

/** A pair `[shared, newValue]`: after a call, `shared` takes the value `newValue` had (Theano's updates). */
export type Update = readonly [SharedVariable, Variable];
/**
 * A pair `[variable, replacement]`: the compiled function computes with `replacement` where the graph has `variable` (Theano's givens).
 */
export type Given = readonly [Variable, Variable | NDArray];
/** What a compiled function accepts for an input: an NDArray, a number or boolean, or (nested) arrays. */
export type ArgValue = NDArray | number | boolean | ArrayLike<unknown>;

/** What `compile` is given: inputs, outputs, updates, givens, the backend and its options. */
export interface CompileSpec {
  inputs?: readonly Variable[];
  outputs?: Variable | readonly Variable[];
  updates?: readonly Update[] | ReadonlyMap<SharedVariable, Variable>;
  givens?: readonly Given[] | ReadonlyMap<Variable, Variable | NDArray>;
  /** A registered backend name ('reference', 'cpu', 'native', 'webgpu') or a Backend object. Default 'cpu'. */
  backend?: string | Backend;
  /** false turns every rewrite off; an object excludes some by name. */
  rewrites?: boolean | RewriteOptions;
  /** Options for the backend (compiler flags, cache directory, thread count...). */
  backendOptions?: Record<string, unknown>;
  name?: string;
}

/**
 * A compiled function: call it with one value per input to get its outputs (updates applied after a successful call).
 */
export interface CompiledFunction<R> {
  (...args: ArgValue[]): Promise<R>;
  /** Call without reading the outputs back (a training step whose cost is not needed). */
  run(args: readonly ArgValue[], opts?: { readOutputs?: boolean }): Promise<NDArray[]>;
  readonly graph: FunctionGraph;
  readonly executable: Executable;
  /** The backend that runs it: the one compile() was given, unless that one handed the graph to another ('cpu' without a working C compiler runs 'wasm'). */
  readonly backend: string;
  readonly inputs: readonly Variable[];
  /** The optimised graph and the backend's kernels. */
  debugPrint(): string;
}

/**
 * Compile a function from inputs to outputs, with shared-variable updates and substitutions (Theano's
 * `function`). Updates all read the values from before the call and are applied together after the
 * outputs are computed; a call that throws changes no shared variable.
 */
export async function compile<O extends Variable | readonly Variable[] = readonly Variable[]>(
  spec: CompileSpec & { outputs?: O },
): Promise<CompiledFunction<O extends Variable ? NDArray : NDArray[]>> {
  const name = spec.name ?? 'function';
  const inputs = [...(spec.inputs ?? [])];
  const single = spec.outputs instanceof Variable;
  const outputs: Variable[] = spec.outputs === undefined ? [] : single ? [spec.outputs as Variable] : [...(spec.outputs as readonly Variable[])];

  inputs.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new HypatiaError(name, `input ${i} is not a symbolic variable`);
    if (v.owner || v instanceof Constant || v instanceof SharedVariable) {
      throw new HypatiaError(name, `input ${i} (${v}) must be a free variable, not ${v.owner ? 'a computed expression' : 'a constant or shared variable'}`, v.site);
    }
  });
  if (new Set(inputs).size !== inputs.length) throw new HypatiaError(name, 'the same variable is listed twice among the inputs');

  const givens = new Map<Variable, Variable>();
  for (const [v, r] of spec.givens instanceof Map ? [...spec.givens] : ((spec.givens ?? []) as Given[])) {
    const rv = r instanceof NDArray ? new Constant(r) : r;
    const why = v.type.mismatch(rv);
    if (why) throw new HypatiaError(name, `givens: ${v} has type ${v.type} but its replacement has ${rv.type}: ${why}`, rv.site);
    givens.set(v, rv);
  }

  const updates = spec.updates instanceof Map ? [...spec.updates] : [...((spec.updates ?? []) as Update[])];
  const seen = new Set<SharedVariable>();
  for (const [sv, expr] of updates) {
    if (!(sv instanceof SharedVariable)) throw new HypatiaError(name, `updates: ${sv} is not a shared variable`);
    if (seen.has(sv)) throw new HypatiaError(name, `updates: ${sv} is updated twice`, expr.site);
    seen.add(sv);
    checkUpdateType(name, sv, expr);
  }

  // Default updates (random streams) of shared variables the graph reads join the updates; then
  // everything is cloned with givens in one pass, so a node feeding both an output and an update
  // stays one node.
  for (let grew = true; grew;) {
    grew = false;
    for (const leaf of graphInputs([...outputs, ...updates.map(([, e]) => e)])) {
      if (leaf instanceof SharedVariable && leaf.defaultUpdate && !seen.has(leaf)) {
        seen.add(leaf);
        updates.push([leaf, leaf.defaultUpdate]);
        grew = true;
      }
    }
  }
  const cloned = cloneGraph([...outputs, ...updates.map(([, e]) => e)], givens);
  for (const leaf of graphInputs(cloned)) {
    if (!leaf.owner && !(leaf instanceof Constant) && !(leaf instanceof SharedVariable) && !inputs.includes(leaf)) {
      throw new HypatiaError(name, `the outputs depend on ${leaf} (${leaf.type}), which is neither an input nor given a value by givens`, leaf.site);
    }
  }

  const graph = new FunctionGraph(inputs, cloned);
  const backend = await resolveBackend(spec.backend);
  checkBackendOptions(name, backend, spec.backendOptions ?? {});
  if (spec.rewrites !== false) optimize(graph, rewriteOptionsFor(backend, spec.rewrites === true || spec.rewrites === undefined ? {} : spec.rewrites));

  const updated = updates.map(([sv]) => sv);
  const executable = await backend.lower({ graph, inputs, nOutputs: outputs.length, updated, options: spec.backendOptions ?? {}, name });
  // Every shared variable the backend may read: the graph's, and the updated ones (written in place).
  const sharedLeaves = [...new Set([...graphInputs(graph.outputs).filter((v): v is SharedVariable => v instanceof SharedVariable), ...updated])];

  const run = async (args: readonly ArgValue[], opts?: { readOutputs?: boolean }): Promise<NDArray[]> => {
    if (args.length !== inputs.length) {
      throw new CallError(name, `expected ${inputs.length} argument${inputs.length === 1 ? '' : 's'} (${inputs.map((v) => `${v}: ${v.type}`).join(', ')}), got ${args.length}`);
    }
    const arrays = args.map((a, i) => toInput(name, inputs[i]!, a, i));
    const reads = readForeignDeviceValues(sharedLeaves, backend.name);
    if (reads) await reads;
    const result = await executable.run(arrays, opts);
    // Commit all updates together, only after the whole call succeeded.
    result.updates.forEach((u, i) => {
      const sv = updated[i]!;
      if (u instanceof NDArray) sv.assign(u);
      else sv.assignDevice(u);
    });
    return result.outputs;
  };

  const fn = (async (...args: ArgValue[]) => {
    const outs = await run(args);
    return single ? outs[0] : outs;
  }) as CompiledFunction<O extends Variable ? NDArray : NDArray[]>;
  const ranOn = executable.backend ?? backend.name;
  Object.assign(fn, {
    run,
    graph,
    executable,
    backend: ranOn,
    inputs,
    debugPrint: () => `${debugPrintGraph(graph.outputs)}\n\n${ranOn} backend, ${executable.kernelCount} kernel(s):\n${executable.describe()}`,
  });
  return fn;
}

/** The user's rewrite options plus the opt-in rules the backend declares it can run. */
function rewriteOptionsFor(backend: Backend, user: RewriteOptions): RewriteOptions {
  const include = [...(backend.supportedRewrites ?? []), ...(user.include ?? [])];
  return include.length ? { ...user, include } : user;
}

function checkUpdateType(name: string, sv: SharedVariable, expr: Variable): void {
  const t = sv.type;
  const why = t.mismatch(expr);
  if (why) {
    throw new HypatiaError(name, `update of ${sv} has type ${expr.type} but the shared variable has type ${t}: ${why}${expr.dtype !== t.dtype ? ` (cast the update to ${t.dtype})` : ''}`, expr.site);
  }
}

/** Check and convert one call argument; errors name the argument, the expected type and what came. */
function toInput(name: string, v: Variable, a: ArgValue, i: number): NDArray {
  const label = `argument ${i}${v.name ? ` (${v.name})` : ''}`;
  let arr: NDArray;
  if (a instanceof NDArray) {
    if (a.dtype !== v.dtype) {
      const lossless = (v.dtype === 'float64' && a.dtype !== 'float64') || (isFloat(v.dtype) && a.dtype !== 'float64' && a.dtype !== 'float32') || (v.dtype === 'int32' && a.dtype === 'bool');
      if (!lossless) throw new CallError(name, `${label} has dtype ${a.dtype} but the input is ${v.type}; cast it with .astype('${v.dtype}')`);
      arr = a.astype(v.dtype);
    } else arr = a;
  } else {
    try {
      arr = NDArray.from(a as ArrayLike<unknown> | number, v.dtype);
    } catch (e) {
      throw new CallError(name, `${label}: ${(e as Error).message}`);
    }
    if (!isFloat(v.dtype) && !checkIntegral(a)) throw new CallError(name, `${label} has fractional values but the input is ${v.type}`);
  }
  const why = v.type.mismatch(arr);
  if (why) throw new CallError(name, `${label} has shape [${arr.shape.join(', ')}] but the input is ${v.type}: ${why}`);
  return arr;
}

function checkIntegral(a: unknown): boolean {
  if (typeof a === 'number') return Number.isInteger(a);
  if (typeof a === 'boolean') return true;
  if (Array.isArray(a) || ArrayBuffer.isView(a)) return Array.from(a as ArrayLike<unknown>).every(checkIntegral);
  return true;
}

export type { DType };
