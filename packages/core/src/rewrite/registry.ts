import type { Apply } from '../graph/apply.js';
import { Op } from '../graph/op.js';
import type { Variable } from '../graph/variable.js';
import type { FunctionGraph } from '../graph/fgraph.js';
import { HypatiaError } from '../errors.js';
import { withSite } from '../site.js';

/** The phases, in the order they run (declared here, and only here). */
export const PHASES = ['canonicalize', 'stabilize', 'specialize', 'fuse', 'inplace'] as const;
/**
 * A phase of the rewrite pipeline: 'canonicalize', 'stabilize', 'specialize', 'fuse' or 'inplace', run in that order.
 */
export type Phase = (typeof PHASES)[number];

/** An op class; its subclasses' instances are its instances too. */
export type OpClass<T extends Op = Op> = abstract new (...args: never[]) => T;

/**
 * What a local rewrite looks at: nodes whose op is an instance of a class (subclasses included) or
 * is one particular op (an elementwise op is one `Elemwise` instance, defined by its formula).
 */
export type TrackedOp = OpClass | Op;

/**
 * A local rewrite looks at one node and returns replacements for its outputs, or null. The driver
 * calls it only on nodes of the ops it `tracks`, so `apply` may take the op's type as given.
 */
export interface LocalRewrite<T extends Op = Op> {
  readonly kind: 'local';
  readonly name: string;
  readonly phase: Phase;
  /** The ops whose nodes it rewrites; 'all' for a rule that must see every node (say why where it is declared). */
  readonly tracks: readonly TrackedOp[] | 'all';
  /** Runs only when named in RewriteOptions.include (for rules a backend must support). */
  readonly optIn?: boolean;
  apply(node: Apply & { op: T }, fg: FunctionGraph): readonly Variable[] | null;
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
  /** `options` are the pipeline's own, for a rule that runs the pipeline on graphs of its own (an op's inner graphs). */
  run(fg: FunctionGraph, options: RewriteOptions): void;
}

/** A rewrite of either kind, as `registerRewrite` takes it. */
export type Rewrite = LocalRewrite | GlobalRewrite;

const rewrites = new Map<string, Rewrite>();

/** Add a rewrite to the pipeline. Ops' packages register theirs next to the ops they rewrite. */
export function registerRewrite(r: Rewrite): void {
  if (r.kind === 'local' && r.tracks !== 'all' && !(Array.isArray(r.tracks) && r.tracks.length && r.tracks.every(isTrackedOp))) {
    throw new HypatiaError(`rewrite ${r.name}`, `tracks must list the op classes (or elementwise ops) whose nodes it rewrites, or be 'all' for every node; got ${describeTracks(r.tracks)}`);
  }
  rewrites.set(r.name, r);
}

/** An op, or a class below Op (every node's op is an Op: a rule for all of them says 'all'). */
function isTrackedOp(t: unknown): t is TrackedOp {
  return t instanceof Op || (typeof t === 'function' && t.prototype instanceof Op);
}

function describeTracks(v: unknown): string {
  if (Array.isArray(v)) return v.length ? `[${v.map((t) => (typeof t === 'function' ? t.name : String(t))).join(', ')}]` : '[]';
  return String(v);
}

/** Every registered rewrite (core's and those of the ops' packages imported so far). */
export function registeredRewrites(): Rewrite[] {
  return [...rewrites.values()];
}

/** Which rewrites `compile` runs: some left out, opt-in ones added, or only some phases. */
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
    for (const g of globals.filter((r) => (r.order ?? 0) < 0).sort(byOrder)) runGlobal(g, fg, opts);
    runLocal(active.filter((r): r is LocalRewrite => r.kind === 'local'), fg);
    for (const g of globals.filter((r) => (r.order ?? 0) >= 0).sort(byOrder)) runGlobal(g, fg, opts);
  }
}

const byOrder = (a: GlobalRewrite, b: GlobalRewrite) => (a.order ?? 0) - (b.order ?? 0);

function runGlobal(g: GlobalRewrite, fg: FunctionGraph, opts: RewriteOptions): void {
  try {
    g.run(fg, opts);
  } catch (e) {
    throw wrap(g.name, e);
  }
}

function runLocal(rules: readonly LocalRewrite[], fg: FunctionGraph): void {
  if (!rules.length) return;
  const index = new LocalRuleIndex(rules);
  for (let pass = 0; pass < 100; pass++) {
    let changed = false;
    // Nodes a replacement detached are skipped; the live set is rebuilt only after a change.
    let live: Set<Apply> | null = null;
    for (const node of fg.nodes) {
      live ??= new Set(fg.nodes);
      if (!live.has(node)) continue;
      const candidates = index.rulesFor(node.op);
      if (!candidates.length) continue;
      // What a rule builds stands for `node`: errors about it name the user's line and op for `node`.
      const site = node.site.rewrittenFrom(node.op.name);
      for (const rule of candidates) {
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

/**
 * The local rules to try on a node, by its op: those tracking the op itself, its class or a class
 * it inherits from, and those tracking 'all', in registration order (the first that fires wins).
 */
class LocalRuleIndex {
  private readonly byTracked = new Map<object, number[]>();
  private readonly everyNode: number[] = [];
  private readonly byClass = new Map<Function, readonly LocalRewrite[]>();
  private readonly byInstance = new Map<Op, readonly LocalRewrite[]>();

  constructor(private readonly rules: readonly LocalRewrite[]) {
    rules.forEach((rule, i) => {
      if (rule.tracks === 'all') this.everyNode.push(i);
      else for (const t of new Set(rule.tracks)) this.at(t).push(i);
    });
  }

  rulesFor(op: Op): readonly LocalRewrite[] {
    const own = this.byTracked.get(op);
    if (!own) return this.forClass(op.constructor);
    let rules = this.byInstance.get(op);
    if (!rules) this.byInstance.set(op, (rules = this.ordered([...own, ...this.classIndices(op.constructor)])));
    return rules;
  }

  private forClass(cls: Function): readonly LocalRewrite[] {
    let rules = this.byClass.get(cls);
    if (!rules) this.byClass.set(cls, (rules = this.ordered(this.classIndices(cls))));
    return rules;
  }

  /** Rules tracking `cls` or any class above it, and those tracking 'all'. */
  private classIndices(cls: Function): number[] {
    const found = [...this.everyNode];
    for (let c: Function | null = cls; c && c !== Object; c = Object.getPrototypeOf(c.prototype)?.constructor ?? null) {
      found.push(...(this.byTracked.get(c) ?? []));
    }
    return found;
  }

  private ordered(indices: number[]): LocalRewrite[] {
    return [...new Set(indices)].sort((a, b) => a - b).map((i) => this.rules[i]!);
  }

  private at(t: object): number[] {
    let list = this.byTracked.get(t);
    if (!list) this.byTracked.set(t, (list = []));
    return list;
  }
}

function wrap(name: string, e: unknown): Error {
  if (e instanceof HypatiaError) return e;
  const err = new HypatiaError(`rewrite ${name}`, e instanceof Error ? e.message : String(e));
  if (e instanceof Error) err.stack = `${err.message}\n${e.stack}`;
  return err;
}
