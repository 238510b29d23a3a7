import type { Variable } from '@hypatia/core';
import type { ElementwiseFn } from '../elementwise/factory.js';
import * as E from '../elementwise/arithmetic.js';
import { dot } from '../linalg/dot.js';
import type { VarLike } from '../util/as-variable.js';

/** What a name in a formula stands for: an elementwise op (usable anywhere) or a graph-only op such as dot. */
export type FormulaFn =
  | { kind: 'elementwise'; fn: ElementwiseFn; arity: number }
  | { kind: 'graph'; build: (...xs: VarLike[]) => Variable; arity: number };

const ew = (fn: ElementwiseFn, arity = 1): FormulaFn => ({ kind: 'elementwise', fn, arity });

/** Functions a formula may call, by their mathjs name. */
export const FUNCTIONS: Readonly<Record<string, FormulaFn>> = {
  exp: ew(E.exp), log: ew(E.log), log1p: ew(E.log1p), expm1: ew(E.expm1), sqrt: ew(E.sqrt),
  abs: ew(E.abs), sign: ew(E.sign), tanh: ew(E.tanh), sin: ew(E.sin), cos: ew(E.cos), square: ew(E.square),
  sigmoid: ew(E.sigmoid), softplus: ew(E.softplus), relu: ew(E.relu),
  max: ew(E.maximum, 2), min: ew(E.minimum, 2), pow: ew(E.pow, 2),
  dot: { kind: 'graph', build: dot, arity: 2 },
};

/** Operators by mathjs's function name for them (`a < b` is `smaller`). `unaryPlus` is the identity. */
export const OPERATORS: Readonly<Record<string, FormulaFn>> = {
  add: ew(E.add, 2), subtract: ew(E.sub, 2), multiply: ew(E.mul, 2), divide: ew(E.div, 2), pow: ew(E.pow, 2),
  unaryMinus: ew(E.neg),
  smaller: ew(E.lt, 2), larger: ew(E.gt, 2), smallerEq: ew(E.le, 2), largerEq: ew(E.ge, 2),
  equal: ew(E.eq, 2), unequal: ew(E.neq, 2),
  and: ew(E.and, 2), or: ew(E.or, 2), not: ew(E.not),
};

/** Named constants, unless a variable of the same name is given. */
export const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

/** `c ? a : b` */
export const CONDITIONAL = ew(E.where, 3);
