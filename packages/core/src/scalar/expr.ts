import { type DType, upcast, floatOf } from '../dtype.js';

/**
 * A typed scalar expression: what an elementwise op computes for one element. Fused kernels are
 * compositions of these, and each backend only has to know how to print each primitive.
 */
export type ScalarExpr =
  | { readonly k: 'in'; readonly i: number; readonly dtype: DType }
  | ConstNode
  | CallNode<ScalarExpr>;

/** A typed constant, shared by the formula IR and the kernel IR (kernel/ir.ts) grown from it. */
export interface ConstNode { readonly k: 'const'; readonly v: number; readonly dtype: DType }
/** A primitive applied to operands of one expression language (formulas, or kernel expressions). */
export interface CallNode<E> { readonly k: 'call'; readonly f: ScalarFn; readonly args: readonly E[]; readonly dtype: DType }
/** Any expression language over the scalar primitives: what the builders below work on. */
export type TypedNode = { readonly k: string; readonly dtype: DType };

/** The scalar primitives. Every code generator has one entry for each. */
export const SCALAR_FNS = {
  // arithmetic: result is the promoted type of the operands
  add: 2, sub: 2, mul: 2, neg: 1, abs: 1, sign: 1, maximum: 2, minimum: 2,
  // true division and floating functions: result is float
  div: 2, pow: 2, exp: 1, log: 1, log1p: 1, expm1: 1, sqrt: 1, tanh: 1, sin: 1, cos: 1, floor: 1, ceil: 1, round: 1, erf: 1,
  // floor modulo, as NumPy's %
  mod: 2,
  // comparisons and logic: result is bool
  lt: 2, le: 2, gt: 2, ge: 2, eq: 2, ne: 2, and: 2, or: 2, not: 1, isnan: 1, isinf: 1,
  // int32 bit patterns (a uint32 word held as int32): bitwise logic, shifts by b mod 32 (shru
  // fills with zeros), and the high 32 bits of the unsigned 64-bit product: what counter-based
  // generators (Philox) are made of; result is int32
  bitand: 2, bitor: 2, bitxor: 2, shl: 2, shru: 2, mulhi_u32: 2,
  // select(cond, a, b): a where cond else b
  select: 3,
  // cast to the node's dtype
  cast: 1,
} as const;
/** The name of a scalar primitive (`add`, `exp`, `select`, `cast`, ...): what formulas are made of. */
export type ScalarFn = keyof typeof SCALAR_FNS;

const FLOAT_RESULT = new Set<ScalarFn>(['div', 'pow', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'tanh', 'sin', 'cos', 'erf']);
const SAME_AS_INPUT = new Set<ScalarFn>(['floor', 'ceil', 'round']);
const BOOL_RESULT = new Set<ScalarFn>(['lt', 'le', 'gt', 'ge', 'eq', 'ne', 'and', 'or', 'not', 'isnan', 'isinf']);
const INT_RESULT = new Set<ScalarFn>(['bitand', 'bitor', 'bitxor', 'shl', 'shru', 'mulhi_u32']);

/**
 * The dtype of primitive `f` applied to operands of these dtypes (`castTo` for a cast), with NumPy's promotions.
 */
export function resultDtype(f: ScalarFn, args: readonly TypedNode[], castTo?: DType): DType {
  if (f === 'cast') return castTo!;
  if (BOOL_RESULT.has(f)) return 'bool';
  if (INT_RESULT.has(f)) return 'int32';
  if (f === 'select') return upcast(args[1]!.dtype, args[2]!.dtype);
  const u = upcast(...args.map((a) => a.dtype));
  if (FLOAT_RESULT.has(f)) return floatOf(u);
  if (SAME_AS_INPUT.has(f)) return u;
  // bool arithmetic counts in int32, as NumPy's True + True == 2
  return u === 'bool' && f !== 'maximum' && f !== 'minimum' && f !== 'abs' ? 'int32' : u;
}

/**
 * Build a primitive call. Operands of different dtypes are promoted by casts made explicit here.
 * Works for any expression language whose nodes include constants and calls of its own kind.
 */
export function call<E extends TypedNode = ScalarExpr>(f: ScalarFn, args: readonly E[], castTo?: DType): E {
  if (args.length !== SCALAR_FNS[f]) throw new Error(`scalar ${f} takes ${SCALAR_FNS[f]} operands, got ${args.length}`);
  const dtype = resultDtype(f, args, castTo);
  let a = args;
  // Make operand types agree so typed targets (WGSL, C) see no implicit conversions.
  if (f === 'select') {
    a = [asBool(args[0]!), convert(args[1]!, dtype), convert(args[2]!, dtype)];
  } else if (f === 'and' || f === 'or' || f === 'not') {
    a = args.map(asBool);
  } else if (f !== 'cast' && f !== 'isnan' && f !== 'isinf') {
    const common = FLOAT_RESULT.has(f) ? dtype : BOOL_RESULT.has(f) ? upcast(...args.map((x) => x.dtype)) : dtype;
    const target = common === 'bool' && !BOOL_RESULT.has(f) ? 'int32' : common;
    a = args.map((x) => convert(x, target));
  }
  const node: CallNode<E> = { k: 'call', f, args: a, dtype };
  // Every language built on the primitives has call nodes of its own kind.
  return node as unknown as E;
}

function asBool<E extends TypedNode>(x: E): E {
  return x.dtype === 'bool' ? x : call('ne', [x, sconst(0, x.dtype) as unknown as E]);
}

/** Cast when needed; constants are re-typed rather than wrapped. */
export function convert<E extends TypedNode = ScalarExpr>(x: E, dtype: DType): E {
  if (x.dtype === dtype) return x;
  if (x.k === 'const') return sconst((x as unknown as ConstNode).v, dtype) as unknown as E;
  const node: CallNode<E> = { k: 'call', f: 'cast', args: [x], dtype };
  return node as unknown as E;
}

/**
 * A scalar constant of `dtype`, its value rounded to what the dtype holds (float32 rounding, int32 truncation, bool as 0 or 1).
 */
export function sconst(v: number, dtype: DType): ConstNode {
  // An int32 has no -0 (Math.trunc(-0.5) is -0; adding 0 makes it 0).
  const val = dtype === 'int32' ? Math.trunc(v) + 0 : dtype === 'bool' ? (v ? 1 : 0) : dtype === 'float32' ? Math.fround(v) : v;
  return { k: 'const', v: val, dtype };
}

/** A formula's `i`-th operand, of `dtype`. */
export function input(i: number, dtype: DType): ScalarExpr {
  return { k: 'in', i, dtype };
}

/** A canonical text of the expression: equal texts mean equal formulas (used as kernel keys). */
export function formulaKey(e: ScalarExpr): string {
  switch (e.k) {
    case 'in': return `$${e.i}:${e.dtype}`;
    case 'const': return constKey(e);
    case 'call': return `${e.f}:${e.dtype}(${e.args.map(formulaKey).join(',')})`;
  }
}

/** A constant's canonical text; -0 keeps its sign (String(-0) is "0"), since x / -0 is not x / 0. */
export function constKey(c: ConstNode): string {
  return `${Object.is(c.v, -0) ? '-0' : c.v}:${c.dtype}`;
}

/** Replace input i by subs[i]. */
export function substitute(e: ScalarExpr, subs: readonly ScalarExpr[]): ScalarExpr {
  switch (e.k) {
    case 'in': return convert(subs[e.i]!, e.dtype);
    case 'const': return e;
    case 'call': return { ...e, args: e.args.map((a) => substitute(a, subs)) };
  }
}

/** Number of primitive calls, a rough cost used by fusion heuristics and debug output. */
export function formulaSize(e: ScalarExpr): number {
  return e.k === 'call' ? 1 + e.args.reduce((n, a) => n + formulaSize(a), 0) : 0;
}

/** Builders for writing formulas by hand: `S.div(S.c(1, d), S.add(S.c(1, d), S.exp(S.neg(x))))`. */
export const S = {
  c: sconst,
  add: (a: ScalarExpr, b: ScalarExpr) => call('add', [a, b]),
  sub: (a: ScalarExpr, b: ScalarExpr) => call('sub', [a, b]),
  mul: (a: ScalarExpr, b: ScalarExpr) => call('mul', [a, b]),
  div: (a: ScalarExpr, b: ScalarExpr) => call('div', [a, b]),
  pow: (a: ScalarExpr, b: ScalarExpr) => call('pow', [a, b]),
  mod: (a: ScalarExpr, b: ScalarExpr) => call('mod', [a, b]),
  neg: (a: ScalarExpr) => call('neg', [a]),
  abs: (a: ScalarExpr) => call('abs', [a]),
  sign: (a: ScalarExpr) => call('sign', [a]),
  exp: (a: ScalarExpr) => call('exp', [a]),
  log: (a: ScalarExpr) => call('log', [a]),
  log1p: (a: ScalarExpr) => call('log1p', [a]),
  expm1: (a: ScalarExpr) => call('expm1', [a]),
  sqrt: (a: ScalarExpr) => call('sqrt', [a]),
  tanh: (a: ScalarExpr) => call('tanh', [a]),
  sin: (a: ScalarExpr) => call('sin', [a]),
  cos: (a: ScalarExpr) => call('cos', [a]),
  erf: (a: ScalarExpr) => call('erf', [a]),
  floor: (a: ScalarExpr) => call('floor', [a]),
  ceil: (a: ScalarExpr) => call('ceil', [a]),
  round: (a: ScalarExpr) => call('round', [a]),
  max: (a: ScalarExpr, b: ScalarExpr) => call('maximum', [a, b]),
  min: (a: ScalarExpr, b: ScalarExpr) => call('minimum', [a, b]),
  lt: (a: ScalarExpr, b: ScalarExpr) => call('lt', [a, b]),
  le: (a: ScalarExpr, b: ScalarExpr) => call('le', [a, b]),
  gt: (a: ScalarExpr, b: ScalarExpr) => call('gt', [a, b]),
  ge: (a: ScalarExpr, b: ScalarExpr) => call('ge', [a, b]),
  eq: (a: ScalarExpr, b: ScalarExpr) => call('eq', [a, b]),
  ne: (a: ScalarExpr, b: ScalarExpr) => call('ne', [a, b]),
  and: (a: ScalarExpr, b: ScalarExpr) => call('and', [a, b]),
  or: (a: ScalarExpr, b: ScalarExpr) => call('or', [a, b]),
  not: (a: ScalarExpr) => call('not', [a]),
  isnan: (a: ScalarExpr) => call('isnan', [a]),
  isinf: (a: ScalarExpr) => call('isinf', [a]),
  bitand: (a: ScalarExpr, b: ScalarExpr) => call('bitand', [a, b]),
  bitor: (a: ScalarExpr, b: ScalarExpr) => call('bitor', [a, b]),
  bitxor: (a: ScalarExpr, b: ScalarExpr) => call('bitxor', [a, b]),
  shl: (a: ScalarExpr, b: ScalarExpr) => call('shl', [a, b]),
  shru: (a: ScalarExpr, b: ScalarExpr) => call('shru', [a, b]),
  mulhiU32: (a: ScalarExpr, b: ScalarExpr) => call('mulhi_u32', [a, b]),
  select: (c: ScalarExpr, a: ScalarExpr, b: ScalarExpr) => call('select', [c, a, b]),
  cast: (a: ScalarExpr, d: DType) => convert(a, d),
};
