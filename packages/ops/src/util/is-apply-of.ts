import type { Apply, Op } from '@hypatia/core';

/**
 * Is `node` an application of one of `ops`? For the catalogue's elementwise ops, each of which is one
 * `Elemwise` instance, identity is how a rule recognises them (a user's op of the same name is another op).
 */
export function isApplyOf<T extends Op>(node: Apply | null | undefined, ...ops: readonly T[]): node is Apply & { op: T } {
  return !!node && (ops as readonly Op[]).includes(node.op);
}
