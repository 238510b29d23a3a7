import { Constant, InnerGraph, Variable, cloneGraph, registerRewrite, type Apply, type FunctionGraph, type GlobalRewrite } from '@hypatia/core';
import { IfElse } from './ifelse.js';

/**
 * What makes ifelse lazy: the nodes whose results only one branch reads (every use of every
 * result is by that branch's operands of the ifelse, or by another such node) move into that
 * branch's graph, so they run only when it is taken. Operands no branch reads any more are
 * dropped. Nested conditionals are handled when the pipeline runs on the branches (inner_graphs).
 */
export const ifelseLazy: GlobalRewrite = {
  kind: 'global',
  name: 'ifelse_lazy',
  phase: 'canonicalize',
  order: 60,
  run(fg) {
    // Outermost first: an ifelse that moves into another's branch is then handled there.
    for (const node of [...fg.nodes].reverse()) {
      if (!(node.op instanceof IfElse) || !new Set(fg.nodes).has(node)) continue;
      const op = node.op;
      const thenCone = exclusiveCone(fg, node, op.thenArgs, op.elseArgs);
      const elseCone = exclusiveCone(fg, node, op.elseArgs, op.thenArgs);
      const args = node.inputs.slice(1);
      const unread = args.some((_, k) => !op.thenArgs.includes(k) && !op.elseArgs.includes(k));
      if (!thenCone.size && !elseCone.size && !unread) continue;
      const t = absorb(op.thenBranch, op.thenArgs.map((k) => args[k]!), thenCone);
      const e = absorb(op.elseBranch, op.elseArgs.map((k) => args[k]!), elseCone);
      const operands = [...new Set([...t.reads, ...e.reads])];
      const lazy = new IfElse(t.graph, e.graph, t.reads.map((v) => operands.indexOf(v)), e.reads.map((v) => operands.indexOf(v)));
      const rebuilt = lazy.apply([node.inputs[0]!, ...operands], node.site);
      fg.replaceAll(node.outputs.map((o, i) => [o, rebuilt.outputs[i]!] as const), 'ifelse_lazy');
    }
  },
};
registerRewrite(ifelseLazy);

/** The nodes whose every result is read only by `node`'s operands in `mine` (not in `theirs`) or by other such nodes. */
function exclusiveCone(fg: FunctionGraph, node: Apply, mine: readonly number[], theirs: readonly number[]): Set<Apply> {
  const cone = new Set<Apply>();
  const nodes = fg.nodes;
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k]!;
    if (n === node) continue;
    const only = n.outputs.every((o) => fg.clients(o).every(([c, i]) => c !== 'output' && (cone.has(c) || (c === node && i >= 1 && mine.includes(i - 1) && !theirs.includes(i - 1)))));
    if (only && n.outputs.some((o) => fg.clients(o).length)) cone.add(n);
  }
  return cone;
}

/** A branch with the nodes of `cone` moved in: its graph over the variables it now reads from outside (`reads`). */
function absorb(branch: InnerGraph, operands: readonly Variable[], cone: ReadonlySet<Apply>): { graph: InnerGraph; reads: Variable[] } {
  const marker = new Variable(branch.inputs[0]?.type ?? branch.outputs[0]!.type).id;
  const outs = branch.applyTo(operands);
  const reads: Variable[] = [];
  const seen = new Set<Variable>();
  const stack = [...outs];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v) || v instanceof Constant) continue;
    seen.add(v);
    if (v.owner && (v.id > marker || cone.has(v.owner))) stack.push(...v.owner.inputs);
    else reads.push(v);
  }
  reads.sort((a, b) => a.id - b.id);
  const phs = reads.map((v) => new Variable(v.type, null, 0, v.name));
  return { graph: new InnerGraph(phs, cloneGraph(outs, new Map(reads.map((v, i) => [v, phs[i]!]))), 'ifelse'), reads };
}
