import type { DType } from '../dtype.js';
import { call, convert, sconst, type ScalarExpr, type ScalarFn } from '../scalar/expr.js';
import type { Access, BufferDecl, Expr, Idx, IdxOp, Kernel, Range, ReduceOp, Stmt } from './ir.js';

/** An index expression, or a number standing for its literal. */
export type IdxLike = Idx | number;

const asIdx = (a: IdxLike): Idx => (typeof a === 'number' ? { k: 'lit', v: a } : a);
const litOf = (a: Idx): number | null => (a.k === 'lit' ? a.v : null);

function op(o: IdxOp, x: IdxLike, y: IdxLike): Idx {
  const a = asIdx(x);
  const b = asIdx(y);
  const [va, vb] = [litOf(a), litOf(b)];
  if (va !== null && vb !== null) return { k: 'lit', v: foldIdx(o, va, vb) };
  // The identities that keep printed index arithmetic short.
  if (o === 'add' && va === 0) return b;
  if ((o === 'add' || o === 'sub') && vb === 0) return a;
  if (o === 'mul' && (va === 0 || vb === 0)) return { k: 'lit', v: 0 };
  if (o === 'mul' && va === 1) return b;
  if ((o === 'mul' || o === 'div') && vb === 1) return a;
  return { k: 'op', op: o, a, b };
}

/** The value of an index operation on two integers (the interpreter's and the builders' folding). */
export function foldIdx(o: IdxOp, a: number, b: number): number {
  switch (o) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return Math.trunc(a / b);
    case 'mod': return a % b;
    case 'min': return Math.min(a, b);
    case 'max': return Math.max(a, b);
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'and': return a && b ? 1 : 0;
    case 'or': return a || b ? 1 : 0;
  }
}

/** Index arithmetic, folding literals. */
export const I = {
  lit: (v: number): Idx => ({ k: 'lit', v }),
  of: asIdx,
  add: (a: IdxLike, b: IdxLike) => op('add', a, b),
  sub: (a: IdxLike, b: IdxLike) => op('sub', a, b),
  mul: (a: IdxLike, b: IdxLike) => op('mul', a, b),
  div: (a: IdxLike, b: IdxLike) => op('div', a, b),
  mod: (a: IdxLike, b: IdxLike) => op('mod', a, b),
  min: (a: IdxLike, b: IdxLike) => op('min', a, b),
  max: (a: IdxLike, b: IdxLike) => op('max', a, b),
  lt: (a: IdxLike, b: IdxLike) => op('lt', a, b),
  le: (a: IdxLike, b: IdxLike) => op('le', a, b),
  eq: (a: IdxLike, b: IdxLike) => op('eq', a, b),
  ne: (a: IdxLike, b: IdxLike) => op('ne', a, b),
  and: (a: IdxLike, b: IdxLike) => op('and', a, b),
  or: (a: IdxLike, b: IdxLike) => op('or', a, b),
  sel: (c: IdxLike, a: IdxLike, b: IdxLike): Idx => {
    const cv = litOf(asIdx(c));
    return cv !== null ? asIdx(cv ? a : b) : { k: 'sel', c: asIdx(c), a: asIdx(a), b: asIdx(b) };
  },
  /** The sum of the terms. */
  sum: (...terms: IdxLike[]): Idx => terms.reduce<Idx>((s, t) => op('add', s, t), { k: 'lit', v: 0 }),
  /** offset + sum of vars[d] * strides[d]: a strided view's element. */
  strided: (vars: readonly IdxLike[], strides: readonly IdxLike[], offset: IdxLike = 0): Idx =>
    vars.reduce<Idx>((s, v, d) => op('add', s, op('mul', v, strides[d]!)), asIdx(offset)),
  /** A possibly negative index counted from the end, as NumPy's. */
  wrap: (i: IdxLike, n: IdxLike): Idx => I.sel(I.lt(i, 0), I.add(i, n), i),
  /** lo <= i < hi. */
  within: (i: IdxLike, lo: IdxLike, hi: IdxLike): Idx => I.and(I.le(lo, i), I.lt(i, hi)),
  /** The integer part of a value. */
  trunc: (x: Expr): Idx => ({ k: 'trunc', x }),
};

/** Value builders over kernel expressions (the formula IR's primitives with its dtype promotion). */
export const E = {
  c: (v: number, dtype: DType): Expr => sconst(v, dtype),
  call: (f: ScalarFn, args: readonly Expr[], castTo?: DType): Expr => call<Expr>(f, args, castTo),
  cast: (x: Expr, dtype: DType): Expr => convert<Expr>(x, dtype),
  index: (at: IdxLike, dtype: DType): Expr => ({ k: 'index', at: asIdx(at), dtype }),
  add: (a: Expr, b: Expr) => call<Expr>('add', [a, b]),
  sub: (a: Expr, b: Expr) => call<Expr>('sub', [a, b]),
  mul: (a: Expr, b: Expr) => call<Expr>('mul', [a, b]),
  div: (a: Expr, b: Expr) => call<Expr>('div', [a, b]),
  neg: (a: Expr) => call<Expr>('neg', [a]),
  exp: (a: Expr) => call<Expr>('exp', [a]),
  log: (a: Expr) => call<Expr>('log', [a]),
  max: (a: Expr, b: Expr) => call<Expr>('maximum', [a, b]),
  min: (a: Expr, b: Expr) => call<Expr>('minimum', [a, b]),
  lt: (a: Expr, b: Expr) => call<Expr>('lt', [a, b]),
  gt: (a: Expr, b: Expr) => call<Expr>('gt', [a, b]),
  eq: (a: Expr, b: Expr) => call<Expr>('eq', [a, b]),
  select: (c: Expr, a: Expr, b: Expr) => call<Expr>('select', [c, a, b]),
  /** A formula of the formula IR with its inputs replaced by kernel expressions. */
  formula: (f: ScalarExpr, operands: readonly Expr[]): Expr => fromFormula(f, operands),
};

/** A formula of the formula IR as a kernel expression, its operands replaced by `operands`. */
export function fromFormula(f: ScalarExpr, operands: readonly Expr[]): Expr {
  switch (f.k) {
    case 'in': return convert<Expr>(operands[f.i]!, f.dtype);
    case 'const': return f;
    case 'call': return { k: 'call', f: f.f, args: f.args.map((a) => fromFormula(a, operands)), dtype: f.dtype };
  }
}

/** A buffer of the kernel being built. */
export class Buf {
  constructor(readonly index: number, readonly dtype: DType) {}
  /** Its element `at` as a value. */
  at(at: IdxLike): Expr {
    return { k: 'load', buf: this.index, at: asIdx(at), dtype: this.dtype };
  }
  /** Its element `at` as an index (an int32 buffer of indices, labels or bounds). */
  read(at: IdxLike): Idx {
    return { k: 'read', buf: this.index, at: asIdx(at) };
  }
}

/**
 * Options of `KernelBuilder.reduce`: the accumulator dtype, the result dtype, and argmax/argmin's reported index.
 */
export interface ReduceOptions {
  /** The accumulator dtype (default: the body's, widened to float64 for float32 sums and products). */
  acc?: DType;
  /** The result dtype (default: the body's; int32 for argmax/argmin). */
  dtype?: DType;
  /** argmax/argmin: the index reported for the winning point (default: the flat position in the ranges). */
  at?: (vars: readonly Idx[]) => IdxLike;
}

/**
 * Builds one kernel: buffers, integer parameters, the iteration space, then the body's statements
 * in order. `space`, reductions and lets hand out fresh variables.
 */
export class KernelBuilder {
  private readonly buffers: BufferDecl[] = [];
  private readonly body: Stmt[] = [];
  private nParams = 0;
  private nVars = 0;
  private extents: Idx[] | null = null;

  constructor(readonly name: string) {}

  buffer(dtype: DType, access: Access): Buf {
    this.buffers.push({ dtype, access });
    return new Buf(this.buffers.length - 1, dtype);
  }
  input(dtype: DType): Buf {
    return this.buffer(dtype, 'read');
  }
  output(dtype: DType): Buf {
    return this.buffer(dtype, 'write');
  }

  param(): Idx {
    return { k: 'param', p: this.nParams++ };
  }
  params(n: number): Idx[] {
    return Array.from({ length: n }, () => this.param());
  }

  /** The iteration space; returns its variables. Call once, before any statement. */
  space(...extents: IdxLike[]): Idx[] {
    if (this.extents) throw new Error(`kernel ${this.name}: space() called twice`);
    this.extents = extents.map(asIdx);
    return extents.map(() => this.fresh());
  }

  private fresh(): Idx {
    return { k: 'var', v: this.nVars++ };
  }

  /** A reduction over ranges given as extents ([0, n)) or [lo, hi) pairs. */
  reduce(op: ReduceOp, ranges: readonly (IdxLike | readonly [IdxLike, IdxLike])[], body: (vars: readonly Idx[]) => Expr, opts: ReduceOptions = {}): Expr {
    const over: Range[] = ranges.map((r) => {
      const [lo, hi] = Array.isArray(r) ? (r as readonly [IdxLike, IdxLike]) : [0, r as IdxLike];
      return { v: (this.fresh() as { v: number }).v, lo: asIdx(lo), hi: asIdx(hi) };
    });
    const vars: Idx[] = over.map((r) => ({ k: 'var', v: r.v }));
    const b = body(vars);
    const arg = op === 'argmax' || op === 'argmin';
    const widen = (op === 'sum' || op === 'prod') && b.dtype === 'float32' ? 'float64' : b.dtype === 'bool' && (op === 'sum' || op === 'prod') ? 'int32' : b.dtype;
    const acc = opts.acc ?? widen;
    const dtype = opts.dtype ?? (arg ? 'int32' : b.dtype === 'bool' && (op === 'sum' || op === 'prod') ? 'int32' : b.dtype);
    let at: Idx | undefined;
    if (arg) {
      // The flat position in the ranges, row-major, unless the caller names another index.
      at = opts.at ? asIdx(opts.at(vars)) : over.reduce<Idx>((s, r, d) => (d === 0 ? I.sub(vars[0]!, r.lo) : I.add(I.mul(s, I.sub(r.hi, r.lo)), I.sub(vars[d]!, r.lo))), I.lit(0));
    }
    return { k: 'reduce', op, over, body: b, acc, dtype, ...(at ? { at } : {}) };
  }

  /**
   * `value` computed once in the outermost loop its variables allow, as a reduction is (a row's
   * log-sum-exp once a row, not once an element): a one-point reduction that gives the value
   * unchanged. `value` must not read a `let`.
   */
  once(value: Expr): Expr {
    const float = value.dtype === 'float32' || value.dtype === 'float64';
    // max(-Infinity, v) is v for every float, NaN and -0 included; integers add to 0.
    return this.reduce(float ? 'max' : 'sum', [1], () => value, { acc: float ? value.dtype : 'int32', dtype: value.dtype });
  }

  /** Bind a value once for the statements that follow. */
  let(value: Expr): Expr {
    const v = (this.fresh() as { v: number }).v;
    this.body.push({ k: 'let', v, value });
    return { k: 'get', v, dtype: value.dtype };
  }

  store(buf: Buf, at: IdxLike, value: Expr, opts: { accumulate?: boolean } = {}): void {
    this.body.push({ k: 'store', buf: buf.index, at: asIdx(at), value: convert<Expr>(value, buf.dtype), ...(opts.accumulate ? { accumulate: true } : {}) });
  }

  check(cond: IdxLike): void {
    this.body.push({ k: 'check', cond: asIdx(cond) });
  }

  build(opts: { sequential?: boolean } = {}): Kernel {
    if (!this.extents) throw new Error(`kernel ${this.name}: no space()`);
    return {
      name: this.name, buffers: [...this.buffers], nParams: this.nParams, space: this.extents, body: [...this.body],
      ...(opts.sequential ? { sequential: true } : {}),
    };
  }
}
