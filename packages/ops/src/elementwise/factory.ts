import { DISCONNECTED, Elemwise, Variable, type GradResult, type ScalarExpr, isFloat } from '@hypatia/core';
import { asVariables, type VarLike } from '../util/as-variable.js';
import { sumToShape } from './broadcast.js';

/**
 * What `elementwise` defines an op from: a name, an arity, a scalar formula, a gradient and distinguishing properties.
 */
export interface ElementwiseDef {
  name: string;
  arity: number;
  /** One scalar formula: the reference semantics, the fusion unit and every backend's kernel. */
  formula: (xs: readonly ScalarExpr[]) => ScalarExpr;
  /**
   * Gradient per input, at the output's (broadcast) shape; the factory sums it back to each input's
   * shape, and gives integer inputs DISCONNECTED whatever the function returns for them.
   */
  grad?: (xs: readonly Variable[], out: Variable, g: Variable) => readonly GradResult[];
  props?: Record<string, unknown>;
}

/**
 * An elementwise op as a function of its operands (numbers are weakly typed), with the op itself as `.op`.
 */
export type ElementwiseFn = ((...xs: VarLike[]) => Variable) & { readonly op: Elemwise };

/**
 * Define an elementwise op from a scalar formula and a gradient. This is how the catalogue's own
 * elementwise ops are written, and how a user adds one: it fuses and runs on every backend.
 */
export function elementwise(def: ElementwiseDef): ElementwiseFn {
  const op = new Elemwise({
    name: def.name,
    arity: def.arity,
    formula: def.formula,
    props: def.props,
    grad: def.grad
      ? (xs, out, g) => def.grad!(xs, out, g).map((r, i) => {
        if (!isFloat(xs[i]!.dtype)) return DISCONNECTED;
        return r instanceof Variable ? sumToShape(r, xs[i]!) : r;
      })
      : undefined,
  });
  const fn = ((...xs: VarLike[]) => {
    if (xs.length !== def.arity) throw new TypeError(`${def.name} takes ${def.arity} operand(s), got ${xs.length}`);
    return op.call(...asVariables(xs));
  }) as ElementwiseFn;
  Object.defineProperty(fn, 'op', { value: op });
  return fn;
}
