import type { Apply } from '../graph/apply.js';
import type { Dim } from '../graph/type.js';
import { Constant, type Variable } from '../graph/variable.js';
import { Elemwise } from '../elemwise.js';

// Small predicates the generic rewrites share. Core cannot import @hypatia/ops, so ops are
// recognised by class (Elemwise) and by name, as the catalogue names them.

/** Is `node` an elementwise op called `name` (and pure, so rewriting it changes nothing observable)? */
export function isElemwiseNamed(node: Apply | null | undefined, name: string): node is Apply & { op: Elemwise } {
  return !!node && node.op instanceof Elemwise && node.op.name === name && node.op.pure;
}

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
