import type { Dim } from '../graph/type.js';
import { Constant, type Variable } from '../graph/variable.js';
import { Elemwise } from '../elemwise.js';

// Small predicates rewrites share, here and in the ops' packages. They know ops only by what every
// op declares (its type, whether it is elementwise and pure); a rule that concerns particular ops
// lives next to them and recognises them by class.

/** Is `v` a constant every element of which equals `x` (any shape, any dtype)? */
export function isConstantFilled(v: Variable, x: number): boolean {
  if (!(v instanceof Constant)) return false;
  const d = v.value.data;
  if (d.length === 0) return false;
  for (let i = 0; i < d.length; i++) if (d[i] !== x) return false;
  return true;
}

/**
 * May `replacement` stand for `old` without changing any type downstream? The dtype must agree and
 * every axis must keep its broadcast status (statically 1 or not); a known length may become
 * unknown and an unknown one known (the run-time value is the same).
 */
export function keepsType(old: Variable, replacement: Variable): boolean {
  if (old.dtype !== replacement.dtype || old.ndim !== replacement.ndim) return false;
  return old.shape.every((d, i) => sameDimKind(d, replacement.shape[i]!));
}

function sameDimKind(old: Dim, rep: Dim): boolean {
  if (old === 1 || rep === 1) return old === rep;
  return old === null || rep === null || old === rep;
}

/** Are two static shapes the same, axis by axis (an unknown length equals only an unknown length)? */
export function sameStaticShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

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
