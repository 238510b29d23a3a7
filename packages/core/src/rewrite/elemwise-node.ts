import type { Apply } from '../graph/apply.js';
import { Elemwise } from '../elemwise.js';
import { input, type ScalarExpr } from '../scalar/expr.js';
import { Composite } from './composite.js';

/** A node computed by an elementwise op. */
export type ElemwiseNode = Apply & { op: Elemwise };

/** A node a fusion rule may write into a formula: a pure elementwise op with one output. */
export function isFusable(node: Apply | null | undefined): node is ElemwiseNode {
  return !!node && node.op instanceof Elemwise && node.op.pure && node.outputs.length === 1;
}

/** The node's formula over its own operands: input i is operand i. */
export function formulaOfNode(node: ElemwiseNode): ScalarExpr {
  const op = node.op;
  return op instanceof Composite ? op.formula : op.scalarFormula(node.inputs.map((v, i) => input(i, v.dtype)));
}
