import type { Apply } from '../graph/apply.js';
import { Constant, type Variable } from '../graph/variable.js';
import type { FunctionGraph } from '../graph/fgraph.js';
import { embedParts, type PartSource } from '../graph/fused-parts.js';
import { input, sconst, substitute, type ScalarExpr } from '../scalar/expr.js';
import type { Expr, Idx, Kernel } from '../kernel/ir.js';
import type { KernelProgram } from '../kernel/program.js';
import { Composite } from './composite.js';
import { isFusable, type ElemwiseNode } from './elemwise-node.js';
import { Fused, type InlinedProducer } from './fused.js';
import { keepsType } from './match.js';
import type { OpClass } from './registry.js';

/**
 * The most buffers one kernel of a fused node binds. WebGPU guarantees 8 storage buffers per
 * shader stage; its kernels also bind the parameter buffer, and a check flag when they check.
 */
export const MAX_KERNEL_BUFFERS = 7;

/** Primitives that cost far more than a load: a producer calling one is recomputed only where each element is read once. */
const EXPENSIVE = new Set(['exp', 'log', 'log1p', 'expm1', 'tanh', 'sin', 'cos', 'pow', 'erf']);

/**
 * Producer fusion: an elementwise node (a Composite, after elementwise fusion) whose result only
 * one node of the `consumers` classes reads, and which is not a graph output, is inlined into
 * that node's kernels: the two become one `Fused` node and the producer's result is never stored.
 * A producer is inlined into an operand when
 *  - the consumer's plan does not read the operand's values (valueInputs),
 *  - its formula calls nothing expensive (exp, log, ...), or the consumer's kernels read each of
 *    the operand's elements once (one load, at an index that moves with every loop around it),
 *    since the formula is computed wherever the consumer loads the operand (a softmax loads its
 *    row three times),
 *  - each kernel still binds at most MAX_KERNEL_BUFFERS buffers (one fewer when it checks).
 * Which consumers' kernels gain from it is the caller's knowledge: a consumer that a backend runs
 * through a faster routine of its own (a gemm, a convolution, pooling) must not be listed.
 */
export function fuseProducers(fg: FunctionGraph, consumers: readonly OpClass[], reason: string): void {
  const replaced = new Map<Variable, Variable>();
  for (const node of fg.nodes) {
    if (!consumers.some((c) => node.op instanceof c)) continue;
    const program = node.op.kernels?.(node);
    if (!program) continue;
    const chosen: number[] = [];
    node.inputs.forEach((v, j) => {
      const p = v.owner;
      if (!p || !isFusable(p)) return;
      if (program.valueInputs?.includes(j)) return;
      if (!fg.clients(v).every(([c]) => c === node)) return;
      if (!worthInlining(program, node, j, inlinedProducer(p).formula)) return;
      if (!fitsBuffers(program, node, [...chosen, j])) return;
      chosen.push(j);
    });
    if (!chosen.length) continue;
    const fused = fuseInto(node, chosen, (v) => replaced.get(v) ?? v);
    fused.forEach((v, i) => {
      if (keepsType(node.outputs[i]!, v)) replaced.set(node.outputs[i]!, v);
    });
  }
  fg.replaceAll([...replaced], reason);
}

/**
 * `consumer`'s outputs computed by one `Fused` node that inlines the producers of its operands
 * `operands` (each an elementwise node's result). `lookup` maps a variable to the one that stands
 * for it (a rewrite's earlier replacements).
 */
export function fuseInto(consumer: Apply, operands: readonly number[], lookup: (v: Variable) => Variable = (v) => v): Variable[] {
  const producers = consumer.inputs.map((v, j) => (operands.includes(j) ? inlinedProducer(v.owner as ElemwiseNode) : null));
  const inputs = consumer.inputs.flatMap((v, j) => (producers[j] ? externalOperands(v.owner!) : [v])).map(lookup);
  return new Fused(consumer.op, producers).apply(inputs, consumer.site).outputs;
}

/** Rank-0 constants are written into the formula; they cannot change the result's shape. */
function isLiteral(v: Variable): v is Constant {
  return v instanceof Constant && v.ndim === 0;
}

function externalOperands(node: Apply): Variable[] {
  return node.inputs.filter((v) => !isLiteral(v));
}

/** The producer's formula over its operands but its rank-0 constants (written in as literals), and its parts. */
function inlinedProducer(node: ElemwiseNode): InlinedProducer {
  const external = externalOperands(node);
  const subs: ScalarExpr[] = [];
  const sources: PartSource[] = [];
  for (const v of node.inputs) {
    if (isLiteral(v)) {
      subs.push(sconst(v.value.data[0]!, v.dtype));
      sources.push({ literal: true });
    } else {
      const i = external.indexOf(v);
      subs.push(input(i, v.dtype));
      sources.push({ input: i });
    }
  }
  const formula = substitute(node.op.scalarFormula(node.inputs.map((v, i) => input(i, v.dtype)), node), subs);
  return {
    formula,
    inputDtypes: external.map((v) => v.dtype),
    fusedOps: node.op instanceof Composite ? node.op.fusedOps : [node.op.name],
    parts: embedParts(node, sources, 0),
    site: node.site,
  };
}

/** Does kernel `k` hold operand j in its buffer j (the convention the inliner relies on)? */
function readsOperand(k: Kernel, node: Apply, j: number): boolean {
  return k.buffers[j]?.access === 'read' && k.buffers[j]!.dtype === node.inputs[j]!.dtype;
}

function worthInlining(program: KernelProgram, node: Apply, j: number, formula: ScalarExpr): boolean {
  if (!callsExpensive(formula)) return true;
  return program.kernels.filter((k) => readsOperand(k, node, j)).every((k) => {
    const sites = loadSites(k, j);
    return sites.length <= 1 && sites.every((s) => s.enclosing.every((v) => mentions(s.at, v)));
  });
}

function callsExpensive(e: ScalarExpr): boolean {
  return e.k === 'call' && (EXPENSIVE.has(e.f) || e.args.some(callsExpensive));
}

/** Would each kernel bind few enough buffers with operands `operands` inlined? */
function fitsBuffers(program: KernelProgram, node: Apply, operands: readonly number[]): boolean {
  return program.kernels.every((k) => {
    let n = k.buffers.length;
    for (const j of operands) if (readsOperand(k, node, j)) n += externalOperands(node.inputs[j]!.owner!).length - 1;
    return n <= MAX_KERNEL_BUFFERS - (k.body.some((s) => s.k === 'check') ? 1 : 0);
  });
}

/** Every load of buffer `buf` in the kernel: its index and the loop variables around it (the space's and enclosing reductions'). */
function loadSites(k: Kernel, buf: number): { at: Idx; enclosing: number[] }[] {
  const sites: { at: Idx; enclosing: number[] }[] = [];
  const idx = (i: Idx, vars: number[]): void => {
    switch (i.k) {
      case 'read': if (i.buf === buf) sites.push({ at: i.at, enclosing: vars }); idx(i.at, vars); return;
      case 'op': idx(i.a, vars); idx(i.b, vars); return;
      case 'sel': idx(i.c, vars); idx(i.a, vars); idx(i.b, vars); return;
      case 'trunc': expr(i.x, vars); return;
      default: return;
    }
  };
  const expr = (e: Expr, vars: number[]): void => {
    switch (e.k) {
      case 'call': e.args.forEach((a) => expr(a, vars)); return;
      case 'load': if (e.buf === buf) sites.push({ at: e.at, enclosing: vars }); idx(e.at, vars); return;
      case 'index': idx(e.at, vars); return;
      case 'reduce': {
        for (const r of e.over) { idx(r.lo, vars); idx(r.hi, vars); }
        const inner = [...vars, ...e.over.map((r) => r.v)];
        expr(e.body, inner);
        if (e.at) idx(e.at, inner);
        return;
      }
      default: return;
    }
  };
  const space = k.space.map((_, d) => d);
  for (const s of k.body) {
    if (s.k === 'let' || s.k === 'store') expr(s.value, space);
    if (s.k === 'store') idx(s.at, space);
    if (s.k === 'check') idx(s.cond, space);
  }
  return sites;
}

function mentions(i: Idx, v: number): boolean {
  switch (i.k) {
    case 'var': return i.v === v;
    case 'read': return mentions(i.at, v);
    case 'op': return mentions(i.a, v) || mentions(i.b, v);
    case 'sel': return mentions(i.c, v) || mentions(i.a, v) || mentions(i.b, v);
    default: return false;
  }
}
