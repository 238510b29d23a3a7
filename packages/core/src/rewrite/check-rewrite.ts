import { HypatiaError } from '../errors.js';
import type { NDArray } from '../ndarray.js';
import type { Variable } from '../graph/variable.js';
import type { Backend } from '../compile/backend.js';
import { compile, type ArgValue, type CompiledFunction } from '../compile/function.js';

/**
 * What `checkRewrite` compares: a graph compiled with and without the named rewrites, called on each argument list.
 */
export interface RewriteCheckSpec {
  inputs: readonly Variable[];
  outputs: readonly Variable[];
  /** Argument lists to call both functions with. */
  args: readonly (readonly ArgValue[])[];
  /** The rewrite(s) under test, by registered name. */
  rewrite: string | readonly string[];
  /** Rewrites left out of both compilations (e.g. fusion, to inspect the canonical graph). */
  exclude?: readonly string[];
  backend?: string | Backend;
  rtol?: number;
  atol?: number;
}

/** Both compiled functions of a `checkRewrite`, and whether a rewrite under test fired. */
export interface RewriteCheckResult {
  /** Compiled with the whole pipeline (opt-in rewrites under test included). */
  withRule: CompiledFunction<NDArray[]>;
  /** Compiled with the pipeline minus the rewrite(s) under test. */
  withoutRule: CompiledFunction<NDArray[]>;
  /** Did one of the rewrites under test change the graph (its name is in the graph's history)? */
  fired: boolean;
}

/**
 * The rewrite checker of the test kit: compile the same graph with and without a rewrite, call both
 * on the same arguments and throw when their results differ beyond tolerance. Returns both functions
 * (for structure checks on `fn.graph.nodes`) and whether the rewrite fired.
 */
export async function checkRewrite(spec: RewriteCheckSpec): Promise<RewriteCheckResult> {
  const names = typeof spec.rewrite === 'string' ? [spec.rewrite] : [...spec.rewrite];
  const base = { inputs: spec.inputs, outputs: spec.outputs, backend: spec.backend ?? 'reference' };
  const both = spec.exclude ?? [];
  const withRule = await compile({ ...base, name: `with ${names.join(', ')}`, rewrites: { exclude: both, include: names } });
  const withoutRule = await compile({ ...base, name: `without ${names.join(', ')}`, rewrites: { exclude: [...names, ...both] } });
  const rtol = spec.rtol ?? 1e-5;
  const atol = spec.atol ?? 1e-6;
  for (const args of spec.args) {
    const got = await withRule(...args);
    const want = await withoutRule(...args);
    want.forEach((w, k) => {
      const diff = difference(w, got[k]!, rtol, atol);
      if (diff) throw new HypatiaError(`checkRewrite ${names.join(', ')}`, `output ${k}: ${diff}`);
    });
  }
  return { withRule, withoutRule, fired: withRule.graph.history.some((h) => names.includes(h)) };
}

function difference(want: NDArray, got: NDArray, rtol: number, atol: number): string | null {
  if (want.dtype !== got.dtype) return `dtype ${got.dtype}, expected ${want.dtype}`;
  if (want.shape.length !== got.shape.length || want.shape.some((d, i) => d !== got.shape[i])) {
    return `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  }
  for (let i = 0; i < want.size; i++) {
    const a = want.data[i]!;
    const b = got.data[i]!;
    if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(a))) return `element ${i} is ${b}, expected ${a}`;
  }
  return null;
}
