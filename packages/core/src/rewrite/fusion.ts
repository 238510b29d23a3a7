import type { Apply } from '../graph/apply.js';
import { Constant, type Variable } from '../graph/variable.js';
import { embedParts, type FusedPart, type PartSource } from '../graph/fused-parts.js';
import { input, sconst, type ScalarExpr } from '../scalar/expr.js';
import type { FunctionGraph } from '../graph/fgraph.js';
import { registerRewrite, type GlobalRewrite } from './registry.js';
import { Composite } from './composite.js';
import { isFusable, type ElemwiseNode } from './elemwise-node.js';
import { keepsType, sameStaticShape } from './match.js';

/**
 * The most external inputs one fused kernel takes. WebGPU guarantees 8 storage buffers per shader
 * stage; the WebGPU backend's elementwise kernels also bind a parameter buffer and the output.
 */
export const MAX_COMPOSITE_INPUTS = 6;

/**
 * The most primitive calls in one fused formula. A result used twice inside a group is written out
 * twice, so repeated sharing could otherwise grow a formula exponentially.
 */
export const MAX_FORMULA_SIZE = 256;

/**
 * Elementwise fusion. Walking from the graph's outputs back, each elementwise node not yet taken
 * roots a group, which absorbs the elementwise producers of its operands while
 *  - every use of the producer's result is inside the group (so no value leaves the group except
 *    the root's: a result used outside, or returned, stays a group boundary; hence the groups are
 *    convex: no path leaves a group and comes back into it), and
 *  - the producer's static shape is the root's (so each element of every internal result is
 *    computed exactly once; a row computed inside a matrix-shaped kernel would be recomputed per row).
 * Each group of two or more nodes becomes one Composite node over the group's external inputs;
 * scalar constants are written into the formula instead of being passed in.
 */
export function fuseElemwise(fg: FunctionGraph, reason = 'elemwise_fusion'): void {
  const taken = new Set<Apply>();
  const groups: ElemwiseNode[][] = [];
  const nodes = fg.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const root = nodes[i]!;
    if (taken.has(root) || !isFusable(root)) continue;
    let group = growGroup(fg, root, taken, true);
    if (group.length > 1 && treeSize(composedFormula(group).formula) > MAX_FORMULA_SIZE) group = growGroup(fg, root, taken, false);
    for (const n of group) taken.add(n);
    if (group.length > 1) groups.push(group);
  }
  // Upstream groups first, so a composite reading another group's result reads its replacement;
  // then all replacements in one batch.
  const replaced = new Map<Variable, Variable>();
  for (const group of groups.reverse()) {
    const root = group[0]!;
    const fused = buildComposite(group, replaced);
    if (fused && keepsType(root.outputs[0]!, fused)) replaced.set(root.outputs[0]!, fused);
  }
  fg.replaceAll([...replaced], reason);
}

/**
 * The root first, then producers in the order they were absorbed. A producer used more than once is
 * absorbed only once all its uses are inside the group (its formula is then repeated in each use),
 * and only when `shared` is set: the caller retries without it when repetition makes the formula too big.
 */
function growGroup(fg: FunctionGraph, root: ElemwiseNode, taken: ReadonlySet<Apply>, shared: boolean): ElemwiseNode[] {
  const members = new Set<Apply>([root]);
  const order: ElemwiseNode[] = [root];
  const externals = new Set(root.inputs.filter((v) => !isInlined(v)));
  const shape = root.outputs[0]!.shape;
  const canAbsorb = (v: Variable): v is Variable & { owner: ElemwiseNode } => {
    const p = v.owner;
    if (!p || members.has(p) || taken.has(p) || !isFusable(p) || !sameStaticShape(v.shape, shape)) return false;
    const uses = fg.clients(v);
    if (uses.length !== 1 && !shared) return false;
    return uses.every(([c]) => c !== 'output' && members.has(c));
  };
  for (let grew = true; grew;) {
    grew = false;
    for (const v of [...externals]) {
      if (!canAbsorb(v)) continue;
      const p = v.owner;
      const added = new Set(p.inputs.filter((u) => !isInlined(u) && !externals.has(u)));
      if (externals.size - 1 + added.size > MAX_COMPOSITE_INPUTS) continue;
      externals.delete(v);
      for (const u of added) externals.add(u);
      members.add(p);
      order.push(p);
      grew = true;
    }
  }
  return order;
}

/** formulaSize, counted in time linear in the number of distinct subexpressions (they may be shared). */
function treeSize(e: ScalarExpr, memo = new Map<ScalarExpr, number>()): number {
  if (e.k !== 'call') return 0;
  let n = memo.get(e);
  if (n === undefined) {
    n = 1;
    for (const a of e.args) n += treeSize(a, memo);
    memo.set(e, n);
  }
  return n;
}

/** Rank-0 constants become literals in the formula; they cannot change the result's shape. */
function isInlined(v: Variable): v is Constant {
  return v instanceof Constant && v.ndim === 0;
}

/**
 * The group's formula over its external inputs (in order of first use), and its members as the
 * composite's parts (in evaluation order, the root last).
 */
function composedFormula(group: readonly ElemwiseNode[]): { formula: ScalarExpr; externals: Variable[]; parts: FusedPart[] } {
  const members = new Set<Apply>(group);
  const externals: Variable[] = [];
  const parts: FusedPart[] = [];
  const memo = new Map<Variable, { e: ScalarExpr; from: PartSource }>();
  const visit = (v: Variable): { e: ScalarExpr; from: PartSource } => {
    let r = memo.get(v);
    if (r) return r;
    if (v.owner && members.has(v.owner)) {
      const node = v.owner as ElemwiseNode;
      const ins = node.inputs.map(visit);
      parts.push(...embedParts(node, ins.map((x) => x.from), parts.length));
      r = { e: node.op.scalarFormula(ins.map((x) => x.e)), from: { part: parts.length - 1 } };
    } else if (isInlined(v)) {
      r = { e: sconst(v.value.data[0]!, v.dtype), from: { literal: true } };
    } else {
      r = { e: input(externals.length, v.dtype), from: { input: externals.length } };
      externals.push(v);
    }
    memo.set(v, r);
    return r;
  };
  return { formula: visit(group[0]!.outputs[0]!).e, externals, parts };
}

/** The composite node's output, or null when the group would have no operand left. */
function buildComposite(group: readonly ElemwiseNode[], replaced: ReadonlyMap<Variable, Variable>): Variable | null {
  const root = group[0]!;
  const { formula, externals, parts } = composedFormula(group);
  if (!externals.length) return null;
  const inputs = externals.map((v) => replaced.get(v) ?? v);
  const names = [...group].reverse().flatMap((n) => (n.op instanceof Composite ? n.op.fusedOps : [n.op.name]));
  const op = new Composite(formula, externals.map((v) => v.dtype), names, parts);
  return op.apply(inputs, root.site).outputs[0]!;
}

/** The 'elemwise_fusion' rewrite: chains of elementwise nodes become one Composite node with one formula. */
export const elemwiseFusion: GlobalRewrite = {
  kind: 'global',
  name: 'elemwise_fusion',
  phase: 'fuse',
  run: (fg) => fuseElemwise(fg),
};

registerRewrite(elemwiseFusion);
