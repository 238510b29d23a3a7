import type { Apply } from '../graph/apply.js';
import type { Variable } from '../graph/variable.js';
import type { FunctionGraph } from '../graph/fgraph.js';
import { HypatiaError } from '../errors.js';
import { withSite } from '../site.js';

/** The phases, in the order they run (declared here, and only here). */
export const PHASES = ['canonicalize', 'stabilize', 'specialize', 'fuse', 'inplace'] as const;
export type Phase = (typeof PHASES)[number];

/** A local rewrite looks at one node and returns replacements for its outputs, or null. */
export interface LocalRewrite {
  readonly kind: 'local';
  readonly name: string;
  readonly phase: Phase;
  /** Runs only when named in RewriteOptions.include (for rules a backend must support). */
  readonly optIn?: boolean;
  apply(node: Apply, fg: FunctionGraph): readonly Variable[] | null;
}

/** A global rewrite sees the whole graph (fusion, merging). */
export interface GlobalRewrite {
  readonly kind: 'global';
  readonly name: string;
  readonly phase: Phase;
  /** Order within the phase: lower runs first; local rewrites of the phase run at order 0. */
  readonly order?: number;
  /** Runs only when named in RewriteOptions.include (for rules a backend must support). */
  readonly optIn?: boolean;
  run(fg: FunctionGraph): void;
}

export type Rewrite = LocalRewrite | GlobalRewrite;

const rewrites = new Map<string, Rewrite>();

/** Add a rewrite to the pipeline. Ops' packages register theirs next to the ops they rewrite. */
export function registerRewrite(r: Rewrite): void {
  rewrites.set(r.name, r);
}

export function registeredRewrites(): Rewrite[] {
  return [...rewrites.values()];
}

export interface RewriteOptions {
  /** Names of rewrites to leave out (for comparisons and bisecting). */
  exclude?: readonly string[];
  /** Names of opt-in rewrites to run as well. */
  include?: readonly string[];
  /** Run only these phases. */
  phases?: readonly Phase[];
}

/** Run the pipeline on `fg` in place. */
export function optimize(fg: FunctionGraph, opts: RewriteOptions = {}): void {
  const skip = new Set(opts.exclude ?? []);
  const extra = new Set(opts.include ?? []);
  for (const phase of opts.phases ?? PHASES) {
    const active = [...rewrites.values()].filter((r) => r.phase === phase && !skip.has(r.name) && (!r.optIn || extra.has(r.name)));
    const globals = active.filter((r): r is GlobalRewrite => r.kind === 'global');
    for (const g of globals.filter((r) => (r.order ?? 0) < 0).sort(byOrder)) runGlobal(g, fg);
    runLocal(active.filter((r): r is LocalRewrite => r.kind === 'local'), fg);
    for (const g of globals.filter((r) => (r.order ?? 0) >= 0).sort(byOrder)) runGlobal(g, fg);
  }
}

const byOrder = (a: GlobalRewrite, b: GlobalRewrite) => (a.order ?? 0) - (b.order ?? 0);

function runGlobal(g: GlobalRewrite, fg: FunctionGraph): void {
  try {
    g.run(fg);
  } catch (e) {
    throw wrap(g.name, e);
  }
}

function runLocal(rules: readonly LocalRewrite[], fg: FunctionGraph): void {
  if (!rules.length) return;
  for (let pass = 0; pass < 100; pass++) {
    let changed = false;
    // Nodes a replacement detached are skipped; the live set is rebuilt only after a change.
    let live: Set<Apply> | null = null;
    for (const node of fg.nodes) {
      live ??= new Set(fg.nodes);
      if (!live.has(node)) continue;
      // What a rule builds stands for `node`: errors about it name the user's line and op for `node`.
      const site = node.site.rewrittenFrom(node.op.name);
      for (const rule of rules) {
        let out: readonly Variable[] | null;
        try {
          out = withSite(site, () => rule.apply(node, fg));
        } catch (e) {
          throw wrap(rule.name, e);
        }
        if (!out) continue;
        out.forEach((v, i) => fg.replace(node.outputs[i]!, v, rule.name));
        changed = true;
        live = null;
        break;
      }
    }
    if (!changed) return;
  }
  throw new HypatiaError('optimize', `local rewrites did not settle after 100 passes (last: ${fg.history.slice(-5).join(', ')})`);
}

function wrap(name: string, e: unknown): Error {
  if (e instanceof HypatiaError) return e;
  const err = new HypatiaError(`rewrite ${name}`, e instanceof Error ? e.message : String(e));
  if (e instanceof Error) err.stack = `${err.message}\n${e.stack}`;
  return err;
}
