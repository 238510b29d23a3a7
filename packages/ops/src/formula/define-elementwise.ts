import { DISCONNECTED, captureSite, isFloat, sconst, type DType, type ScalarExpr, type Variable } from '@hypatia/core';
import type { MathNode } from 'mathjs/number';
import { elementwise, type ElementwiseFn } from '../elementwise/factory.js';
import { mul } from '../elementwise/arithmetic.js';
import { FormulaError, interpret, type Domain } from './interpret.js';
import { graphDomain, parseFormula } from './formula.js';
import { differentiate, type Derivation } from './derivative.js';

/** What `defineElementwise` takes: the op's name, its inputs' names and a math.js formula of them. */
export interface ElementwiseFormulaDef {
  name: string;
  /** Input names, in the order the op takes its operands. */
  inputs: readonly string[];
  /** The scalar formula in math notation, e.g. 'x * sigmoid(x)'. */
  formula: string;
}

const isScalar = (v: ScalarExpr | number): v is ScalarExpr => typeof v !== 'number';

/** A JS number meeting scalar formulas takes their dtype, as asVariable does for tensors. */
function weakScalars(args: readonly (ScalarExpr | number)[]): ScalarExpr[] {
  const typed = args.filter(isScalar);
  const partner = typed.find((a) => isFloat(a.dtype)) ?? typed[0];
  return args.map((a) => {
    if (isScalar(a)) return a;
    let dtype: DType = 'float32';
    if (partner && (isFloat(partner.dtype) || Number.isInteger(a))) dtype = partner.dtype === 'bool' ? 'int32' : partner.dtype;
    return sconst(a, dtype);
  });
}

/** Builds a scalar formula: names are the op's input scalars, functions the ops' own scalar formulas. */
function scalarDomain(names: readonly string[], xs: readonly ScalarExpr[]): Domain<ScalarExpr> {
  return {
    symbol: (name) => {
      const i = names.indexOf(name);
      return i === -1 ? undefined : xs[i];
    },
    apply: (f, args) => {
      if (f.kind !== 'elementwise') throw new Error('graph-only functions are rejected when the op is defined');
      return f.fn.op.spec.formula(weakScalars(args));
    },
  };
}

/**
 * A user-defined elementwise op from its formula alone: the scalar formula (so it fuses and runs on
 * every backend) comes from the parsed expression, and the gradient for each input from the
 * formula's symbolic derivative, built back into graph.
 *
 *   const swish = defineElementwise({ name: 'swish', inputs: ['x'], formula: 'x * sigmoid(x)' });
 */
export function defineElementwise(def: ElementwiseFormulaDef): ElementwiseFn {
  const site = captureSite();
  const { name, inputs, formula: source } = def;
  if (new Set(inputs).size !== inputs.length || inputs.some((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) || n.startsWith('__'))) {
    throw new FormulaError(`${name}: inputs [${inputs.join(', ')}] must be distinct plain names (not starting with "__", kept for derivatives) in "${source}"`, site);
  }
  const node: MathNode = parseFormula(source, site);
  // Check the formula once now (names, arities, elementwise functions) so errors point at the definition.
  const probe = inputs.map((_, i) => ({ k: 'in', i, dtype: 'float64' }) as ScalarExpr);
  interpret(node, scalarDomainChecked(inputs, probe, source, site), source, site);

  const derivations = new Map<number, Derivation>();
  const derivation = (i: number): Derivation => {
    let d = derivations.get(i);
    if (!d) derivations.set(i, (d = differentiate(node, inputs[i]!, source, site)));
    return d;
  };

  return elementwise({
    name,
    arity: inputs.length,
    props: { inputs, formula: source },
    formula: (xs) => {
      const out = interpret(node, scalarDomain(inputs, xs), source, site);
      // a formula of numbers alone still takes its dtype from the operands
      return isScalar(out) ? out : weakScalars([out, ...xs])[0]!;
    },
    grad: (xs, _out, g) => inputs.map((_, i) => {
      if (!isFloat(xs[i]!.dtype)) return DISCONNECTED;
      const d = derivation(i);
      if (!d.expr) return DISCONNECTED;
      const scope = derivationScope(d, (n) => {
        const j = inputs.indexOf(n);
        return j === -1 ? undefined : xs[j];
      }, source);
      return mul(g, interpret(d.expr, graphDomain(scope), source, site));
    }),
  });
}

function scalarDomainChecked(names: readonly string[], xs: readonly ScalarExpr[], source: string, site: ReturnType<typeof captureSite>): Domain<ScalarExpr> {
  const inner = scalarDomain(names, xs);
  return {
    symbol: inner.symbol,
    apply: (f, args) => {
      if (f.kind !== 'elementwise') throw new FormulaError(`dot is not elementwise and cannot appear in an elementwise formula, in "${source}"`, site);
      return inner.apply(f, args);
    },
  };
}

/** Names of a derivation resolved lazily: inputs first, then each auxiliary symbol built once into graph. */
export function derivationScope(d: Derivation, inputs: (name: string) => Variable | undefined, source: string): (name: string) => Variable | number | undefined {
  const defs = new Map(d.defs.map((x) => [x.name, x.node]));
  const built = new Map<string, Variable | number>();
  const scope = (name: string): Variable | number | undefined => {
    const v = inputs(name);
    if (v !== undefined) return v;
    const node = defs.get(name);
    if (!node) return undefined;
    let b = built.get(name);
    if (b === undefined) built.set(name, (b = interpret(node, graphDomain(scope), source)));
    return b;
  };
  return scope;
}
