import { Constant, HypatiaError, NDArray, evaluate, captureSite, type Site } from '@hypatia/core';
import type { MathNode } from 'mathjs/number';
import { CONDITIONAL, CONSTANTS, FUNCTIONS, OPERATORS, type FormulaFn } from './vocabulary.js';

/** A formula that cannot be turned into graph; the message quotes the fragment at fault. */
export class FormulaError extends HypatiaError {
  constructor(detail: string, site?: Site) {
    super('formula', detail, site);
    this.name = 'FormulaError';
  }
}

/** How to apply an op in one target (graph variables, scalar formulas). JS numbers stay numbers until an op meets a tensor. */
export interface Domain<V> {
  /** The value of a free name, or undefined when the domain does not know it. */
  symbol(name: string): V | number | undefined;
  apply(f: FormulaFn, args: readonly (V | number)[]): V | number;
}

/** A node as the user wrote it, for error messages. */
export function quote(node: MathNode): string {
  return `"${node.toString()}"`;
}

/**
 * Walk a mathjs expression tree and build it in a domain. Operations on numbers alone are folded
 * in float64 here, so a weakly typed literal like `1/3` keeps its precision until it meets a tensor.
 */
export function interpret<V>(root: MathNode, domain: Domain<V>, source: string, site: Site = captureSite()): V | number {
  const fail = (detail: string): never => { throw new FormulaError(`${detail} in "${source}"`, site); };
  const apply = (f: FormulaFn, args: (V | number)[], node: MathNode, name: string): V | number => {
    if (args.length !== f.arity) fail(`${name} takes ${f.arity} argument${f.arity === 1 ? '' : 's'}, got ${args.length}: ${quote(node)}`);
    if (f.kind === 'elementwise' && args.every((a) => typeof a === 'number')) return foldNumbers(f, args as number[]);
    return domain.apply(f, args);
  };
  const walk = (node: MathNode): V | number => {
    const n = node as MathNode & Record<string, unknown>;
    switch (node.type) {
      case 'ConstantNode': {
        const v = n.value;
        if (typeof v === 'number') return v;
        if (typeof v === 'boolean') return v ? 1 : 0;
        return fail(`unsupported constant ${quote(node)}`);
      }
      case 'SymbolNode': {
        const name = n.name as string;
        const v = domain.symbol(name);
        if (v !== undefined) return v;
        if (name in CONSTANTS) return CONSTANTS[name]!;
        return fail(`unknown name "${name}"`);
      }
      case 'ParenthesisNode':
        return walk(n.content as MathNode);
      case 'OperatorNode': {
        const fn = n.fn as string;
        const args = (n.args as MathNode[]).map(walk);
        if (fn === 'unaryPlus') return args[0]!;
        const f = OPERATORS[fn];
        if (!f) return fail(`unsupported operator "${n.op as string}" in ${quote(node)}`);
        // mathjs may build n-ary products and sums (derivative() does); fold them pairwise
        if ((fn === 'multiply' || fn === 'add') && args.length > 2) return args.reduce((acc, a) => apply(f, [acc, a], node, fn));
        return apply(f, args, node, fn);
      }
      case 'FunctionNode': {
        const name = (n.fn as { name?: string }).name;
        const f = name === undefined ? undefined : FUNCTIONS[name];
        if (!f) return fail(`unknown function ${name === undefined ? quote(node) : `"${name}"`} (known: ${Object.keys(FUNCTIONS).join(', ')})`);
        return apply(f, (n.args as MathNode[]).map(walk), node, name!);
      }
      case 'ConditionalNode':
        return apply(CONDITIONAL, [walk(n.condition as MathNode), walk(n.trueExpr as MathNode), walk(n.falseExpr as MathNode)], node, 'the conditional');
      default:
        return fail(`unsupported syntax ${quote(node)} (${node.type})`);
    }
  };
  return walk(root);
}

/** Evaluate an elementwise op on numbers in float64. */
function foldNumbers(f: FormulaFn & { kind: 'elementwise' }, args: readonly number[]): number {
  const out = f.fn(...args.map((a) => new Constant(NDArray.from(a, 'float64'))));
  return evaluate([out])[0]!.item();
}
