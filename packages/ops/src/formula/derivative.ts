import { captureSite, type Site } from '@hypatia/core';
import {
  derivative as mathjsDerivative, simplifyCore, ConditionalNode, ConstantNode, FunctionNode, OperatorNode, ParenthesisNode, SymbolNode,
  type MathNode,
} from 'mathjs/number';
import { FormulaError, quote } from './interpret.js';
import { parseFormula } from './formula.js';

/**
 * Differentiation of formulas. mathjs's `derivative()` does the algebra (sums, products, quotients,
 * powers, exp, log, sqrt, sin, cos). Every other function, comparison and conditional is first
 * replaced by a fresh symbol `__sK = f(args)`, so mathjs sees only what it knows; the chain rule
 * through those symbols then uses the rules below, written in our own vocabulary (mathjs would
 * give tanh' as sech^2 and abs' as abs(x)/x, which is NaN at 0).
 */

/** Functions and operators whose mathjs derivative stays within the formula vocabulary. */
const MATHJS_FUNCTIONS = new Set(['exp', 'log', 'sqrt', 'sin', 'cos', 'pow']);
const MATHJS_OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus']);

const num = (v: number): MathNode => new ConstantNode(v);
const op = (o: string, fn: string, args: MathNode[]): MathNode => new OperatorNode(o as '+', fn as 'add', args);
const mul = (a: MathNode, b: MathNode) => op('*', 'multiply', [a, b]);
const call = (name: string, ...args: MathNode[]) => new FunctionNode(name, args);

/** Partial derivatives of f(args) w.r.t. each argument, given the args and the symbol standing for f(args); null is zero. */
const RULES: Readonly<Record<string, (a: readonly MathNode[], self: MathNode) => (MathNode | null)[]>> = {
  sigmoid: (_a, s) => [mul(s, op('-', 'subtract', [num(1), s]))],
  softplus: (a) => [call('sigmoid', a[0]!)],
  log1p: (a) => [op('/', 'divide', [num(1), op('+', 'add', [num(1), a[0]!])])],
  expm1: (a) => [call('exp', a[0]!)],
  tanh: (_a, s) => [op('-', 'subtract', [num(1), mul(s, s)])],
  relu: (a) => [op('>', 'larger', [a[0]!, num(0)])],
  abs: (a) => [call('sign', a[0]!)],
  sign: () => [null],
  square: (a) => [mul(num(2), a[0]!)],
  // ties send the gradient to the first argument, as the maximum/minimum ops do
  max: (a) => [op('>=', 'largerEq', [a[0]!, a[1]!]), op('<', 'smaller', [a[0]!, a[1]!])],
  min: (a) => [op('<=', 'smallerEq', [a[0]!, a[1]!]), op('>', 'larger', [a[0]!, a[1]!])],
};
const PIECEWISE_CONSTANT = new Set(['smaller', 'larger', 'smallerEq', 'largerEq', 'equal', 'unequal', 'and', 'or', 'not']);

/** A derivative as an expression over the inputs and auxiliary symbols, each defined (in order) in `defs`. */
export interface Derivation {
  /** null when the derivative is identically zero. */
  expr: MathNode | null;
  defs: readonly { name: string; node: MathNode }[];
}

const isSymbol = (n: MathNode): n is SymbolNode => n.type === 'SymbolNode';
const symbolsIn = (n: MathNode): Set<string> => new Set(n.filter(isSymbol).map((s) => (s as SymbolNode).name));

/** Differentiate a parsed formula with respect to the variable `wrt`. */
export function differentiate(root: MathNode, wrt: string, source = root.toString(), site: Site = captureSite()): Derivation {
  const fail = (detail: string): never => { throw new FormulaError(`${detail} in "${source}"`, site); };
  const defs: { name: string; node: MathNode }[] = [];
  const placeholders = new Map<string, { node: MathNode; index: number }>();
  const byText = new Map<string, string>();
  for (const s of symbolsIn(root)) if (s.startsWith('__')) fail(`names starting with "__" are reserved: "${s}"`);

  const placeholder = (node: MathNode): MathNode => {
    const text = node.toString();
    let name = byText.get(text);
    if (!name) {
      name = `__s${placeholders.size}`;
      byText.set(text, name);
      placeholders.set(name, { node, index: defs.length });
      defs.push({ name, node });
    }
    return new SymbolNode(name);
  };

  // Replace what mathjs cannot differentiate by symbols, innermost first.
  const reduce = (node: MathNode): MathNode => {
    const n = node as MathNode & Record<string, unknown>;
    switch (node.type) {
      case 'ConstantNode':
      case 'SymbolNode':
        return node;
      case 'ParenthesisNode':
        return reduce(n.content as MathNode);
      case 'OperatorNode': {
        const args = (n.args as MathNode[]).map(reduce);
        const rebuilt = op(n.op as string, n.fn as string, args);
        if (MATHJS_OPERATORS.has(n.fn as string)) return rebuilt;
        if (PIECEWISE_CONSTANT.has(n.fn as string)) return placeholder(rebuilt);
        return fail(`cannot differentiate the operator "${n.op as string}" in ${quote(node)}`);
      }
      case 'FunctionNode': {
        const name = (n.fn as { name?: string }).name ?? '';
        const args = (n.args as MathNode[]).map(reduce);
        if (name === 'log' && args.length !== 1) return fail(`log takes 1 argument, got ${args.length}: ${quote(node)}`);
        const rebuilt = call(name, ...args);
        if (MATHJS_FUNCTIONS.has(name)) return rebuilt;
        if (name in RULES) return placeholder(rebuilt);
        if (name === 'dot') return fail(`dot is not elementwise and cannot appear in a scalar formula: ${quote(node)}`);
        return fail(`cannot differentiate the unknown function "${name}" in ${quote(node)}`);
      }
      case 'ConditionalNode':
        return placeholder(new ConditionalNode(reduce(n.condition as MathNode), reduce(n.trueExpr as MathNode), reduce(n.falseExpr as MathNode)));
      default:
        return fail(`unsupported syntax ${quote(node)} (${node.type})`);
    }
  };

  const partial = (node: MathNode, name: string): MathNode => simplifyCore(mathjsDerivative(node, new SymbolNode(name), { simplify: false }));
  const isZero = (n: MathNode) => n.type === 'ConstantNode' && (n as ConstantNode).value === 0;
  const sum = (terms: MathNode[]): MathNode | null => (terms.length ? terms.reduce((a, b) => op('+', 'add', [a, b])) : null);

  const dNames = new Map<string, string | null>();
  /** The name of the symbol holding d(placeholder)/d(wrt), or null when it is zero. */
  const dSymbol = (s: string): string | null => {
    if (dNames.has(s)) return dNames.get(s)!;
    const def = placeholders.get(s)!.node as MathNode & Record<string, unknown>;
    let d: MathNode | null;
    if (def.type === 'ConditionalNode') {
      const dt = total(def.trueExpr as MathNode);
      const df = total(def.falseExpr as MathNode);
      d = dt || df ? new ConditionalNode(def.condition as MathNode, dt ?? num(0), df ?? num(0)) : null;
    } else {
      const args = def.args as MathNode[];
      const fname = def.type === 'FunctionNode' ? (def.fn as SymbolNode).name : (def.fn as string);
      const rules = PIECEWISE_CONSTANT.has(fname) ? args.map(() => null) : RULES[fname]!(args, new SymbolNode(s));
      const terms: MathNode[] = [];
      args.forEach((a, j) => {
        const da = rules[j] ? total(a) : null;
        if (da) terms.push(mul(rules[j]!, da));
      });
      d = sum(terms);
    }
    const name = d ? `__d${s.slice(3)}` : null;
    if (d && name) defs.push({ name, node: d });
    dNames.set(s, name);
    return name;
  };

  /** Total derivative of a reduced expression: its partial in wrt plus the chain through each placeholder in it. */
  const total = (node: MathNode): MathNode | null => {
    const syms = symbolsIn(node);
    const terms: MathNode[] = [];
    if (syms.has(wrt)) {
      const p = partial(node, wrt);
      if (!isZero(p)) terms.push(p);
    }
    for (const s of syms) {
      if (!placeholders.has(s)) continue;
      const ds = dSymbol(s);
      if (!ds) continue;
      const p = partial(node, s);
      if (!isZero(p)) terms.push(mul(p, new SymbolNode(ds)));
    }
    return sum(terms);
  };

  const reduced = reduce(root);
  return { expr: total(reduced), defs };
}

/** Replace the auxiliary symbols of a derivation by their definitions: one plain formula. */
export function inlineDerivation(d: Derivation): MathNode {
  const table = new Map(d.defs.map((x) => [x.name, x.node]));
  const inline = (node: MathNode): MathNode =>
    node.transform((n) => (isSymbol(n) && table.has(n.name) ? new ParenthesisNode(inline(table.get(n.name)!)) : n));
  return d.expr ? simplifyCore(inline(d.expr)) : num(0);
}

/** The derivative of a formula with respect to `wrt`, as formula text: `derivativeOf('x * sigmoid(x)', 'x')`. */
export function derivativeOf(expr: string, wrt: string): string {
  const site = captureSite();
  return inlineDerivation(differentiate(parseFormula(expr, site), wrt, expr, site)).toString();
}
