import { Variable, captureSite, type Site } from '@hypatia/core';
import { parse, type MathNode } from 'mathjs/number';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { FormulaError, interpret, type Domain } from './interpret.js';

/** Parse a formula, turning mathjs's syntax errors into ours. */
export function parseFormula(expr: string, site: Site = captureSite()): MathNode {
  if (typeof expr !== 'string') throw new FormulaError(`expected a string, got ${typeof expr}`, site);
  try {
    return parse(expr);
  } catch (e) {
    throw new FormulaError(`cannot parse "${expr}": ${(e as Error).message}`, site);
  }
}

/** Builds graph: names resolve through `scope`, functions become the catalogue's ops. */
export function graphDomain(scope: (name: string) => VarLike | undefined): Domain<Variable> {
  return {
    symbol: (name) => {
      const v = scope(name);
      return v === undefined || typeof v === 'number' || v instanceof Variable ? v : asVariable(v);
    },
    apply: (f, args) => (f.kind === 'elementwise' ? f.fn(...args) : f.build(...args)),
  };
}

/**
 * Build graph from a formula in math notation: `formula('sigmoid(dot(x, w) + b)', {x, w, b})`.
 * Supports + - * / ^, unary minus, comparisons, `and`/`or`/`not`, `c ? a : b`, numbers, pi and e,
 * and the functions in FUNCTIONS. Anything else throws a FormulaError quoting the fragment.
 */
export function formula(expr: string, vars: Readonly<Record<string, VarLike>> = {}): Variable {
  const site = captureSite();
  const node = parseFormula(expr, site);
  const out = interpret(node, graphDomain((name) => (Object.hasOwn(vars, name) ? vars[name] : undefined)), expr, site);
  return out instanceof Variable ? out : asVariable(out);
}
