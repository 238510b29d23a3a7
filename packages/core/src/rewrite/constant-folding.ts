import type { Apply } from '../graph/apply.js';
import { Constant, type Variable } from '../graph/variable.js';
import { registerRewrite, type LocalRewrite } from './registry.js';

/** Results larger than this stay computed at run time, so compiling never bakes in a huge array. */
export const MAX_FOLDED_ELEMENTS = 1 << 16;

/**
 * A pure node whose inputs are all constants is evaluated now with its reference semantics and
 * replaced by constants. Not folded: impure ops (random draws), results over the size cap, and
 * results whose constant type would change an axis's broadcast status (a length-1 result where the
 * node's type says "unknown" would make it broadcastable downstream).
 */
export const constantFolding: LocalRewrite = {
  kind: 'local',
  name: 'constant_folding',
  phase: 'canonicalize',
  // Any op with constant operands folds: what decides is the operands, not the op.
  tracks: 'all',
  apply(node) {
    if (!node.op.pure || !node.inputs.every((v) => v instanceof Constant)) return null;
    if (node.outputs.some((o) => staticSize(o) > MAX_FOLDED_ELEMENTS)) return null;
    const values = node.op.perform(node.inputs.map((v) => (v as Constant).value), node);
    const folded: Variable[] = [];
    for (const [i, o] of node.outputs.entries()) {
      const a = values[i]!;
      if (a.size > MAX_FOLDED_ELEMENTS || a.dtype !== o.dtype || !fitsType(o, a.shape)) return null;
      // perform may return an input's own array (identity ops); the constant must own its value.
      folded.push(new Constant(isInputValue(node, a) ? a.copy() : a));
    }
    return folded;
  },
};

function isInputValue(node: Apply, a: unknown): boolean {
  return node.inputs.some((v) => (v as Constant).value === a);
}

/** The static element count, or 0 when some length is unknown (then the value decides). */
function staticSize(v: Variable): number {
  return v.shape.every((d) => d !== null) ? (v.shape as number[]).reduce((a, b) => a * b, 1) : 0;
}

function fitsType(o: Variable, shape: readonly number[]): boolean {
  return o.type.accepts(shape) && o.shape.every((d, i) => (d === 1) === (shape[i] === 1));
}

registerRewrite(constantFolding);
