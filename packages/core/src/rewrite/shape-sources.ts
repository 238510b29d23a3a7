import type { Apply } from '../graph/apply.js';
import type { Variable } from '../graph/variable.js';
import { Elemwise } from '../elemwise.js';
import { registerRewrite, type LocalRewrite } from './registry.js';
import { isElemwiseNamed, keepsType } from './match.js';

// Gradients read some values only for their shape: second(x, g) broadcasts g to x's shape, and
// mean's gradient divides by shape_at(x, axis). When x is computed by an elementwise node, an
// operand of that node with the same run-time shape can stand in, so x itself may no longer be
// needed (it then fuses into its one remaining reader, e.g. square(W) into sum(square(W))).
// These run in `specialize`, after stabilisation, so they never keep alive a value that a
// stabilising rewrite would otherwise remove.

/**
 * An operand of the elementwise node computing `x` whose run-time shape is x's, or null. An operand
 * of x's rank with no statically-1 axis where x has a longer one, and no longer one where x's is 1,
 * has x's shape wherever the node ran: broadcasting only stretches axes declared length 1.
 */
export function sameShapeOperand(x: Variable): Variable | null {
  const node = x.owner;
  if (!node || !(node.op instanceof Elemwise) || !node.op.pure || node.outputs.length !== 1) return null;
  return node.inputs.find((u) => u.ndim === x.ndim && u.shape.every((d, i) => (d === 1) === (x.shape[i] === 1))) ?? null;
}

/** second(f(u, ...), y) -> second(u, y) when u has f's shape. */
export const secondShapeSource: LocalRewrite = {
  kind: 'local',
  name: 'second_shape_source',
  phase: 'specialize',
  apply(node) {
    if (!isElemwiseNamed(node, 'second')) return null;
    const [x, y] = node.inputs as [Variable, Variable];
    const u = sameShapeOperand(x);
    if (!u) return null;
    const r = node.op.apply([u, y], node.site).outputs[0]!;
    return keepsType(node.outputs[0]!, r) ? [r] : null;
  },
};

/** shape_at(f(u, ...), axis) -> shape_at(u, axis) when u has f's shape. */
export const shapeAtShapeSource: LocalRewrite = {
  kind: 'local',
  name: 'shape_at_shape_source',
  phase: 'specialize',
  apply(node: Apply) {
    if (node.op.name !== 'shape_at' || node.inputs.length !== 1) return null;
    const u = sameShapeOperand(node.inputs[0]!);
    return u ? [node.op.apply([u], node.site).outputs[0]!] : null;
  },
};

for (const r of [secondShapeSource, shapeAtShapeSource]) registerRewrite(r);
