import type { Apply } from './apply.js';
import { toposort } from './traverse.js';
import type { Variable } from './variable.js';
import { HypatiaError } from '../errors.js';

/** Told of every replacement made in a FunctionGraph, with the rewrite's reason (debugging and tests). */
export interface ReplaceListener {
  onReplace(old: Variable, replacement: Variable, reason: string): void;
}

/**
 * The graph of one function under compilation: its inputs and outputs, with the one way to change
 * it, `replace`. Rewrites never touch the user's graph, because compile() works on a clone.
 */
export class FunctionGraph {
  readonly outputs: Variable[];
  private order: Apply[] | null = null;
  private clientMap: Map<Variable, [Apply | 'output', number][]> | null = null;
  readonly history: string[] = [];
  readonly listeners: ReplaceListener[] = [];

  constructor(readonly inputs: readonly Variable[], outputs: readonly Variable[]) {
    this.outputs = [...outputs];
  }

  /** Nodes in dependency order (recomputed after a change). */
  get nodes(): Apply[] {
    if (!this.order) this.order = toposort(this.outputs);
    return this.order;
  }

  /** Where each variable is used: (node, input index), or ('output', output index). */
  clients(v: Variable): readonly [Apply | 'output', number][] {
    if (!this.clientMap) {
      const m = new Map<Variable, [Apply | 'output', number][]>();
      const add = (v: Variable, c: [Apply | 'output', number]) => {
        const l = m.get(v);
        if (l) l.push(c); else m.set(v, [c]);
      };
      for (const n of this.nodes) n.inputs.forEach((x, i) => add(x, [n, i]));
      this.outputs.forEach((o, i) => add(o, ['output', i]));
      this.clientMap = m;
    }
    return this.clientMap.get(v) ?? [];
  }

  /** Replace every use of `old` by `replacement`, which must have a compatible type. */
  replace(old: Variable, replacement: Variable, reason: string): void {
    this.replaceAll([[old, replacement]], reason);
  }

  /**
   * Several replacements with one look at the clients (a whole-graph rewrite making hundreds of
   * them would otherwise rebuild the client map after each). The current uses of each `old` are
   * redirected; a replacement should not itself be an `old` of the same batch.
   */
  replaceAll(pairs: readonly (readonly [Variable, Variable])[], reason: string): void {
    const todo = pairs.filter(([old, rep]) => old !== rep);
    for (const [old, replacement] of todo) {
      const why = old.type.mismatch(replacement);
      if (why) throw new HypatiaError('FunctionGraph.replace', `rewrite '${reason}' would replace ${old.type} by ${replacement.type}: ${why}`, old.site);
    }
    if (!todo.length) return;
    const uses = todo.map(([old]) => [...this.clients(old)]);
    todo.forEach(([, replacement], k) => {
      for (const [client, i] of uses[k]!) {
        if (client === 'output') this.outputs[i] = replacement;
        else (client.inputs as Variable[])[i] = replacement;
      }
    });
    this.order = null;
    this.clientMap = null;
    for (const [old, replacement] of todo) {
      this.history.push(reason);
      for (const l of this.listeners) l.onReplace(old, replacement, reason);
    }
  }

  /** Mark the cached order stale after an in-place edit of node inputs. */
  invalidate(): void {
    this.order = null;
    this.clientMap = null;
  }
}
