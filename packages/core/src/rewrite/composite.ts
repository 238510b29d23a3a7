import type { DType } from '../dtype.js';
import { Elemwise } from '../elemwise.js';
import type { FusedPart } from '../graph/fused-parts.js';
import { formulaKey, substitute, type ScalarExpr } from '../scalar/expr.js';

/**
 * A fused group of elementwise ops: one scalar formula over the group's external inputs, which
 * broadcast together as any elementwise op's do. Backends need nothing special for it: it is an
 * Elemwise whose formula happens to be a composition. Its key is the formula text, so equal groups
 * share compiled kernels.
 */
export class Composite extends Elemwise {
  constructor(
    /** The composed formula; input i is `{k: 'in', i, dtype: inputDtypes[i]}`. */
    readonly formula: ScalarExpr,
    readonly inputDtypes: readonly DType[],
    /** Names of the fused ops, outermost last, for printing. */
    readonly fusedOps: readonly string[],
    /** The user's nodes it computes, for run-time errors. */
    override readonly fusedParts: readonly FusedPart[] = [],
  ) {
    super({
      name: 'composite',
      arity: inputDtypes.length,
      formula: (xs) => substitute(formula, xs),
      props: { formula: formulaKey(formula) },
    });
  }

  override toString(): string {
    return `composite{${this.fusedOps.join(',')}}`;
  }

  /** The formula in infix-free call form, `exp(add($0, $1))`, for debug output. */
  describeFormula(): string {
    return showExpr(this.formula);
  }
}

function showExpr(e: ScalarExpr): string {
  switch (e.k) {
    case 'in': return `$${e.i}`;
    case 'const': return String(e.v);
    case 'call': return e.f === 'cast' ? `cast<${e.dtype}>(${showExpr(e.args[0]!)})` : `${e.f}(${e.args.map(showExpr).join(', ')})`;
  }
}
