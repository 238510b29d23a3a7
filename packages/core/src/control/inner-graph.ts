import { HypatiaError } from '../errors.js';
import type { NDArray } from '../ndarray.js';
import type { Apply } from '../graph/apply.js';
import type { Op } from '../graph/op.js';
import { Constant, SharedVariable, Variable } from '../graph/variable.js';
import { cloneGraph, toposort } from '../graph/traverse.js';
import { Elemwise } from '../elemwise.js';
import { formulaKey, input } from '../scalar/expr.js';

/**
 * A graph an op holds inside itself: a loop's body, a branch of a conditional. It has its own input
 * variables, and its outputs are computed from them and from constants only (no shared variable,
 * no variable of the graph around it), so it means the same wherever the op is applied. It is never
 * changed: a rewrite that improves it builds a new one (`optimizeInner`).
 */
export class InnerGraph {
  /** Its nodes in dependency order. */
  readonly nodes: readonly Apply[];
  private cachedKey: string | undefined;

  constructor(readonly inputs: readonly Variable[], readonly outputs: readonly Variable[], owner = 'inner graph') {
    const own = new Set(inputs);
    if (own.size !== inputs.length) throw new HypatiaError(owner, 'an inner graph lists one input twice');
    this.nodes = toposort(outputs, own);
    const leaf = (v: Variable) => {
      if (own.has(v) || v instanceof Constant || v.owner) return;
      throw new HypatiaError(owner, `its inner graph reads ${v} (${v.type}), which is not one of its inputs`, v.site);
    };
    outputs.forEach(leaf);
    for (const n of this.nodes) n.inputs.forEach(leaf);
  }

  /**
   * Equal for graphs that compute the same thing the same way: the inputs' types, each node's op
   * (an elementwise op with its formula) and operands, constants by value, and the outputs.
   */
  key(): string {
    if (this.cachedKey !== undefined) return this.cachedKey;
    const ids = new Map<Variable, string>();
    this.inputs.forEach((v, i) => ids.set(v, `i${i}`));
    const ref = (v: Variable) => ids.get(v) ?? (v instanceof Constant ? `c:${v.signature()}` : '?');
    const parts = this.nodes.map((n, j) => {
      n.outputs.forEach((o, k) => ids.set(o, `n${j}.${k}`));
      return `${opKey(n)}(${n.inputs.map(ref).join(',')})`;
    });
    this.cachedKey = `(${this.inputs.map((v) => v.type.toString()).join(',')}){${parts.join(';')}}->(${this.outputs.map(ref).join(',')})`;
    return this.cachedKey;
  }

  /** The outputs for input values, each node by its reference semantics (`perform`). */
  evaluate(values: readonly NDArray[]): NDArray[] {
    const env = new Map<Variable, NDArray>();
    this.inputs.forEach((v, i) => env.set(v, values[i]!));
    const get = (v: Variable): NDArray => env.get(v) ?? (v as Constant).value;
    for (const node of this.nodes) {
      const outs = node.op.perform(node.inputs.map(get), node);
      node.outputs.forEach((o, i) => {
        const a = outs[i]!;
        const why = o.type.mismatch(a);
        if (why) throw new HypatiaError(node.op.name, `produced ${a.dtype}[${a.shape.join(', ')}] but its type says ${o.type}: ${why}`, node.site);
        env.set(o, a);
      });
    }
    return this.outputs.map(get);
  }

  /** Its outputs computed from `args` instead of its inputs (new nodes; the graph itself is unchanged). */
  applyTo(args: readonly Variable[]): Variable[] {
    if (args.length !== this.inputs.length) throw new HypatiaError('inner graph', `takes ${this.inputs.length} inputs, got ${args.length}`);
    return cloneGraph(this.outputs, new Map(this.inputs.map((v, i) => [v, args[i]!])));
  }

  /** A copy with fresh input variables and fresh nodes, which a rewrite may change. */
  copy(): { inputs: Variable[]; outputs: Variable[] } {
    const inputs = this.inputs.map((v) => new Variable(v.type, null, 0, v.name, v.site));
    return { inputs, outputs: this.applyTo(inputs) };
  }
}

function opKey(n: Apply): string {
  const op = n.op;
  if (!(op instanceof Elemwise)) return op.key();
  return `${op.key()}:${formulaKey(op.scalarFormula(n.inputs.map((v, i) => input(i, v.dtype))))}`;
}

/**
 * What closing over a function's graph found: the graph with one input per placeholder and one per
 * free variable, and the free variables themselves (what the op reads from the graph around it).
 */
export interface ClosedGraph {
  inputs: Variable[];
  outputs: Variable[];
  /** Those the caller listed, then the others in creation order: shared variables, inputs and values computed outside. */
  free: Variable[];
}

/**
 * Close the graph a user's function built (a loop body) over its placeholders. Everything created
 * before the function was called (variables whose id is below `marker`) is a value of the graph
 * around it, computed once: an input, a shared variable, an expression; so is every shared
 * variable. Each becomes an input of the closed graph, its outer variable listed in `free`
 * (after `declared`, the free variables the caller names in order, such as non-sequences).
 * Constants stay inside. A free variable the function created itself is an error: nothing could
 * give it a value. `bound` maps outer variables to placeholders that stand for them (a shared
 * variable whose value the body receives at each step).
 */
export function closeOver(
  owner: string, placeholders: readonly Variable[], outputs: readonly Variable[], marker: number,
  declared: readonly Variable[] = [], bound: ReadonlyMap<Variable, Variable> = new Map(),
): ClosedGraph {
  const own = new Set([...placeholders, ...bound.keys()]);
  const listed = [...new Set(declared)];
  const freeSet = new Set(listed);
  const discovered: Variable[] = [];
  const isOuter = (v: Variable) => !own.has(v) && (freeSet.has(v) || v instanceof SharedVariable || v.id < marker);
  const seen = new Set<Apply>();
  const stack = [...outputs];
  while (stack.length) {
    const v = stack.pop()!;
    if (own.has(v) || v instanceof Constant) continue;
    if (isOuter(v)) {
      if (!freeSet.has(v)) { freeSet.add(v); discovered.push(v); }
      continue;
    }
    if (!v.owner) {
      throw new HypatiaError(owner, `the function built a free variable ${v} (${v.type}) that nothing gives a value; build it outside and pass it as a non-sequence`, v.site);
    }
    if (seen.has(v.owner)) continue;
    seen.add(v.owner);
    for (const x of v.owner.inputs) stack.push(x);
  }
  // The ones found are ordered by creation, so the same function gives the same graph.
  const ordered = [...listed, ...discovered.sort((a, b) => a.id - b.id)];
  const inner = ordered.map((v) => new Variable(v.type, null, 0, v.name, v.site));
  const closedOutputs = cloneGraph(outputs, new Map([...bound, ...ordered.map((v, i) => [v, inner[i]!] as const)]));
  return { inputs: [...placeholders, ...inner], outputs: closedOutputs, free: ordered };
}

/** An op holding inner graphs (a loop, a conditional): rewrites optimise them with the graph around them. */
export interface HoldsInnerGraphs extends Op {
  readonly innerGraphs: readonly InnerGraph[];
  /** The same op with these graphs (same inputs and outputs, in order) in place of its own. */
  withInnerGraphs(graphs: readonly InnerGraph[]): Op;
}

/** Does this op hold inner graphs (a Scan, an IfElse)? */
export function holdsInnerGraphs(op: Op): op is HoldsInnerGraphs {
  return Array.isArray((op as Partial<HoldsInnerGraphs>).innerGraphs) && typeof (op as Partial<HoldsInnerGraphs>).withInnerGraphs === 'function';
}
