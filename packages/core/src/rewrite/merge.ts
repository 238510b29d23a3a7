import type { Apply } from '../graph/apply.js';
import { Constant, type Variable } from '../graph/variable.js';
import { Elemwise } from '../elemwise.js';
import { formulaKey, input } from '../scalar/expr.js';
import type { FunctionGraph } from '../graph/fgraph.js';
import { registerRewrite, type GlobalRewrite } from './registry.js';

/**
 * Merge (common subexpression elimination): equal constants become one constant, then, in
 * dependency order, a node with the same op and the same inputs as an earlier node is replaced by it.
 * Impure ops (random draws) are never merged: two draws are two different values.
 */
export function mergeGraph(fg: FunctionGraph, reason: string): void {
  // Decide every merge first, reading each input through `rep`, then apply them in one batch.
  const rep = mergeConstants(fg);
  const ids = new Map<Variable, number>();
  const idOf = (v: Variable) => {
    const r = rep.get(v) ?? v;
    let id = ids.get(r);
    if (id === undefined) { id = ids.size; ids.set(r, id); }
    return id;
  };
  const seen = new Map<string, Apply>();
  for (const node of fg.nodes) {
    if (!node.op.pure) continue;
    const key = `${nodeKey(node)}(${node.inputs.map(idOf).join(',')})`;
    const earlier = seen.get(key);
    if (!earlier) { seen.set(key, node); continue; }
    // Two results the caller receives (or two updates) would then share one array; keep them apart.
    if (isGraphOutput(fg, node) && isGraphOutput(fg, earlier)) continue;
    node.outputs.forEach((o, i) => rep.set(o, earlier.outputs[i]!));
  }
  fg.replaceAll([...rep], reason);
}

/** The op's key; for elementwise ops also the formula, since user-defined ones may share a name. */
function nodeKey(node: Apply): string {
  const op = node.op;
  if (!(op instanceof Elemwise)) return op.key();
  return `${op.key()}:${formulaKey(op.scalarFormula(node.inputs.map((v, i) => input(i, v.dtype))))}`;
}

function isGraphOutput(fg: FunctionGraph, node: Apply): boolean {
  return node.outputs.some((o) => fg.clients(o).some(([c]) => c === 'output'));
}

/** Each constant that equals an earlier one, mapped to that one. */
function mergeConstants(fg: FunctionGraph): Map<Variable, Variable> {
  const rep = new Map<Variable, Variable>();
  const bySignature = new Map<string, Constant>();
  for (const node of fg.nodes) {
    for (const c of node.inputs) {
      if (!(c instanceof Constant) || rep.has(c)) continue;
      const sig = c.signature();
      const first = bySignature.get(sig);
      // Large constants are signed by a hash; confirm equality element by element before merging.
      if (!first) bySignature.set(sig, c);
      else if (first !== c && sameValue(first, c)) rep.set(c, first);
    }
  }
  return rep;
}

function sameValue(a: Constant, b: Constant): boolean {
  const x = a.value;
  const y = b.value;
  if (x.dtype !== y.dtype || x.size !== y.size || x.shape.some((d, i) => d !== y.shape[i])) return false;
  for (let i = 0; i < x.size; i++) if (!Object.is(x.data[i], y.data[i])) return false;
  return true;
}

const mergeRule = (name: string, phase: GlobalRewrite['phase'], order: number): GlobalRewrite => ({
  kind: 'global', name, phase, order, run: (fg) => mergeGraph(fg, name),
});

/** Before anything else, so that later rules see one node per distinct expression. */
export const mergeRewrite = mergeRule('merge', 'canonicalize', -100);
/** Again before fusion: folding, canonicalising and stabilising make new duplicates. */
export const mergeLateRewrite = mergeRule('merge_late', 'specialize', 100);

registerRewrite(mergeRewrite);
registerRewrite(mergeLateRewrite);
