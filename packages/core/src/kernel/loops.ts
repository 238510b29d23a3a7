import type { DType } from '../dtype.js';
import { call, sconst, type CallNode, type ConstNode } from '../scalar/expr.js';
import type { Expr, Idx, IdxOp, Kernel, Range, ReduceOp, Stmt } from './ir.js';
import { exprKey } from './key.js';

/**
 * The loop form of a kernel, what printers print: loops, scalar temporaries, stores and ifs, with
 * expressions free of reductions (each reduction became an accumulator loop). Every printer shares
 * this lowering, so hoisting and the reduction semantics live in one place.
 */
export type LExpr =
  | ConstNode
  | CallNode<LExpr>
  | { readonly k: 'load'; readonly buf: number; readonly at: LIdx; readonly dtype: DType }
  | { readonly k: 'index'; readonly at: LIdx; readonly dtype: DType }
  /** A scalar temporary of the loop program. */
  | { readonly k: 'temp'; readonly t: number; readonly dtype: DType };

/** Index arithmetic of the loop form: the IR's, with values (trunc) moved into int32 temporaries. */
export type LIdx =
  | { readonly k: 'lit'; readonly v: number }
  | { readonly k: 'var'; readonly v: number }
  | { readonly k: 'param'; readonly p: number }
  | { readonly k: 'read'; readonly buf: number; readonly at: LIdx }
  | { readonly k: 'op'; readonly op: IdxOp; readonly a: LIdx; readonly b: LIdx }
  | { readonly k: 'sel'; readonly c: LIdx; readonly a: LIdx; readonly b: LIdx }
  | { readonly k: 'temp'; readonly t: number };

/**
 * A statement of the loop form printers read: loops, temporaries, conditionals, stores and a failed check.
 */
export type LStmt =
  /** for (v = lo; v < hi; v++); `axis` marks a loop over the iteration space (a printer may run it in parallel). */
  | { readonly k: 'for'; readonly v: number; readonly lo: LIdx; readonly hi: LIdx; readonly body: readonly LStmt[]; readonly axis?: number }
  | { readonly k: 'decl'; readonly t: number; readonly dtype: DType; readonly init: LExpr }
  | { readonly k: 'assign'; readonly t: number; readonly value: LExpr }
  | { readonly k: 'if'; readonly cond: LExpr; readonly then: readonly LStmt[]; readonly else?: readonly LStmt[] }
  | { readonly k: 'store'; readonly buf: number; readonly at: LIdx; readonly value: LExpr; readonly accumulate?: boolean }
  /** Raise the kernel's error flag (a failed check). */
  | { readonly k: 'fail' };

/** A kernel in loop form: its statements and the dtypes of its temporaries. */
export interface LoopProgram {
  /**
   * Statements around the point loops: with `spaceLoops`, the whole program; without, the body of
   * one point, its space variables bound by the printer (a GPU thread's index).
   */
  readonly body: readonly LStmt[];
  /** Temporaries (numbered from 0) and their dtypes. */
  readonly temps: readonly DType[];
}

/**
 * How `linearize` lays a kernel out: as loops over its space (CPU printers) or as one point's body (GPU printers).
 */
export interface LinearizeOptions {
  /**
   * Emit the iteration space as loops (CPU printers) and compute each reduction at the outermost
   * loop level its variables allow (a softmax's row max once a row, not once an element).
   * Without it, the body is one point's (a GPU thread per point) and reductions run per point.
   */
  readonly spaceLoops: boolean;
}

/** The value a fold starts from: the smallest (largest) value of the accumulator's dtype for max (min). */
function identity(op: 'sum' | 'prod' | 'max' | 'min', acc: DType): number {
  if (op === 'sum') return 0;
  if (op === 'prod') return 1;
  const lowest = acc === 'int32' ? -2147483648 : acc === 'bool' ? 0 : -Infinity;
  const highest = acc === 'int32' ? 2147483647 : acc === 'bool' ? 1 : Infinity;
  return op === 'max' ? lowest : highest;
}
const COMBINE: Record<'sum' | 'prod' | 'max' | 'min', 'add' | 'mul' | 'maximum' | 'minimum'> = { sum: 'add', prod: 'mul', max: 'maximum', min: 'minimum' };

/** A kernel in loop form, from which every printer (JavaScript, C, WGSL, WebAssembly) prints. */
export function linearize(kernel: Kernel, opts: LinearizeOptions): LoopProgram {
  return new Linearizer(kernel, opts).run();
}

class Linearizer {
  private readonly temps: DType[] = [];
  /** Let variables already bound to temporaries. */
  private readonly lets = new Map<number, number>();
  private readonly rank: number;

  constructor(private readonly kernel: Kernel, private readonly opts: LinearizeOptions) {
    this.rank = kernel.space.length;
  }

  private temp(dtype: DType): number {
    this.temps.push(dtype);
    return this.temps.length - 1;
  }

  run(): LoopProgram {
    const k = this.kernel;
    if (!this.opts.spaceLoops) {
      const cache = new Map<string, LExpr>();
      return { body: this.point(k.body, cache), temps: this.temps };
    }
    // Reductions whose variables are all space axes run at the outermost loop that binds them.
    const hoisted = new Map<string, { level: number; reduce: Extract<Expr, { k: 'reduce' }> }>();
    // Statements after a check run only for points that pass it: a reduction there is hoisted
    // only if it reads nothing at an index taken from a buffer or a value (which the check may be
    // guarding), so hoisting it cannot read out of bounds. A label check then leaves a row's max
    // and sum computed once a row.
    const firstCheck = k.body.findIndex((s) => s.k === 'check');
    k.body.forEach((s, i) => {
      for (const r of reductionsIn(s)) if (firstCheck < 0 || i < firstCheck || !gathers(r)) this.plan(r, hoisted);
    });
    const byLevel: Extract<Expr, { k: 'reduce' }>[][] = Array.from({ length: this.rank + 1 }, () => []);
    for (const { level, reduce } of hoisted.values()) byLevel[level + 1]!.push(reduce);
    const cache = new Map<string, LExpr>();
    const emitLevel = (level: number, out: LStmt[]) => {
      for (const r of byLevel[level + 1]!) cache.set(exprKey(r), this.reduce(r, cache, out));
    };
    const nest = (d: number): LStmt[] => {
      const out: LStmt[] = [];
      emitLevel(d - 1, out);
      if (d === this.rank) {
        out.push(...this.point(k.body, cache));
        return out;
      }
      const body = nest(d + 1);
      out.push({ k: 'for', v: d, lo: { k: 'lit', v: 0 }, hi: this.idx(k.space[d]!, cache, out), body, axis: d });
      return out;
    };
    return { body: nest(0), temps: this.temps };
  }

  /** Record a reduction (and the ones inside it) at the level its free variables allow, if it can be hoisted. */
  private plan(r: Extract<Expr, { k: 'reduce' }>, hoisted: Map<string, { level: number; reduce: Extract<Expr, { k: 'reduce' }> }>): void {
    const free = freeVars(r);
    if (free === null || [...free].some((v) => v >= this.rank)) return;
    const key = exprKey(r);
    if (hoisted.has(key)) return;
    // Inner reductions first, so an outer one finds them computed.
    for (const inner of reductionsIn({ k: 'let', v: -1, value: r.body })) this.plan(inner, hoisted);
    for (const rg of r.over) for (const inner of [...reductionsInIdx(rg.lo), ...reductionsInIdx(rg.hi)]) this.plan(inner, hoisted);
    hoisted.set(key, { level: Math.max(-1, ...free), reduce: r });
  }

  /** One point's statements; a failed check skips the rest of them. */
  private point(body: readonly Stmt[], cache: Map<string, LExpr>): LStmt[] {
    const out: LStmt[] = [];
    for (let i = 0; i < body.length; i++) {
      const s = body[i]!;
      const local = new Map(cache);
      switch (s.k) {
        case 'let': {
          const value = this.expr(s.value, cache, out);
          const t = this.temp(s.value.dtype);
          out.push({ k: 'decl', t, dtype: s.value.dtype, init: value });
          this.lets.set(s.v, t);
          break;
        }
        case 'store':
          out.push({ k: 'store', buf: s.buf, at: this.idx(s.at, cache, out), value: this.expr(s.value, cache, out), ...(s.accumulate ? { accumulate: true } : {}) });
          break;
        case 'check': {
          const cond = this.idx(s.cond, cache, out);
          const rest = this.point(body.slice(i + 1), local);
          out.push({ k: 'if', cond: { k: 'index', at: cond, dtype: 'bool' }, then: rest, else: [{ k: 'fail' }] });
          return out;
        }
      }
    }
    return out;
  }

  private expr(e: Expr, cache: Map<string, LExpr>, out: LStmt[]): LExpr {
    switch (e.k) {
      case 'const': return e;
      case 'call': return { k: 'call', f: e.f, args: e.args.map((a) => this.expr(a, cache, out)), dtype: e.dtype };
      case 'load': return { k: 'load', buf: e.buf, at: this.idx(e.at, cache, out), dtype: e.dtype };
      case 'index': return { k: 'index', at: this.idx(e.at, cache, out), dtype: e.dtype };
      case 'get': {
        const t = this.lets.get(e.v);
        if (t === undefined) throw new Error(`kernel ${this.kernel.name}: value ${e.v} is read before its let`);
        return { k: 'temp', t, dtype: e.dtype };
      }
      case 'reduce': {
        const key = exprKey(e);
        const hit = cache.get(key);
        if (hit) return hit;
        const r = this.reduce(e, cache, out);
        cache.set(key, r);
        return r;
      }
    }
  }

  private idx(i: Idx, cache: Map<string, LExpr>, out: LStmt[]): LIdx {
    switch (i.k) {
      case 'lit': case 'var': case 'param': return i;
      case 'read': return { k: 'read', buf: i.buf, at: this.idx(i.at, cache, out) };
      case 'op': return { k: 'op', op: i.op, a: this.idx(i.a, cache, out), b: this.idx(i.b, cache, out) };
      case 'sel': return { k: 'sel', c: this.idx(i.c, cache, out), a: this.idx(i.a, cache, out), b: this.idx(i.b, cache, out) };
      case 'trunc': {
        const x = this.expr(i.x, cache, out);
        // A truncated value goes through a temporary, which keeps index arithmetic free of values.
        const t = this.temp('int32');
        out.push({ k: 'decl', t, dtype: 'int32', init: call<LExpr>('cast', [x], 'int32') });
        return { k: 'temp', t };
      }
    }
  }

  /** An accumulator loop for a reduction; returns the temporary holding its result. */
  private reduce(r: Extract<Expr, { k: 'reduce' }>, cache: Map<string, LExpr>, out: LStmt[]): LExpr {
    const arg = r.op === 'argmax' || r.op === 'argmin';
    const acc = this.temp(r.acc);
    out.push({ k: 'decl', t: acc, dtype: r.acc, init: sconst(arg ? 0 : identity(r.op as 'sum', r.acc), r.acc) });
    const pos = arg ? this.temp('int32') : -1;
    if (arg) out.push({ k: 'decl', t: pos, dtype: 'int32', init: sconst(-1, 'int32') });
    const inner: LStmt[] = [];
    const local = new Map(cache);
    const body = call<LExpr>('cast', [this.expr(r.body, local, inner)], r.acc);
    const accE: LExpr = { k: 'temp', t: acc, dtype: r.acc };
    if (arg) {
      const posE: LExpr = { k: 'temp', t: pos, dtype: 'int32' };
      const v = this.temp(r.acc);
      inner.push({ k: 'decl', t: v, dtype: r.acc, init: body });
      const vE: LExpr = { k: 'temp', t: v, dtype: r.acc };
      // The first extreme wins ties; a NaN beats any number (and the first NaN stays).
      const better = call<LExpr>(r.op === 'argmax' ? 'gt' : 'lt', [vE, accE]);
      const nanWins = call<LExpr>('and', [call<LExpr>('isnan', [vE]), call<LExpr>('not', [call<LExpr>('isnan', [accE])])]);
      const cond = call<LExpr>('or', [call<LExpr>('lt', [posE, sconst(0, 'int32')]), call<LExpr>('or', [better, nanWins])]);
      inner.push({ k: 'if', cond, then: [{ k: 'assign', t: acc, value: vE }, { k: 'assign', t: pos, value: { k: 'index', at: this.idx(r.at!, local, inner), dtype: 'int32' } }] });
    } else {
      inner.push({ k: 'assign', t: acc, value: call<LExpr>(COMBINE[r.op as 'sum'], [accE, body]) });
    }
    out.push(...this.loops(r.over, inner, cache, out));
    if (arg) return { k: 'temp', t: pos, dtype: 'int32' };
    if (r.dtype === r.acc) return accE;
    const res = this.temp(r.dtype);
    out.push({ k: 'decl', t: res, dtype: r.dtype, init: call<LExpr>('cast', [accE], r.dtype) });
    return { k: 'temp', t: res, dtype: r.dtype };
  }

  private loops(over: readonly Range[], inner: LStmt[], cache: Map<string, LExpr>, out: LStmt[]): LStmt[] {
    let body = inner;
    for (let d = over.length - 1; d >= 0; d--) {
      const r = over[d]!;
      body = [{ k: 'for', v: r.v, lo: this.idx(r.lo, cache, out), hi: this.idx(r.hi, cache, out), body }];
    }
    return body;
  }
}

/** The reductions an expression holds at its top level (not those inside other reductions' bodies). */
function reductionsIn(s: Stmt): Extract<Expr, { k: 'reduce' }>[] {
  const found: Extract<Expr, { k: 'reduce' }>[] = [];
  const visit = (e: Expr): void => {
    switch (e.k) {
      case 'reduce': found.push(e); return;
      case 'call': e.args.forEach(visit); return;
      case 'load': case 'index': found.push(...reductionsInIdx(e.at)); return;
      default: return;
    }
  };
  if (s.k === 'let') visit(s.value);
  else if (s.k === 'store') { visit(s.value); found.push(...reductionsInIdx(s.at)); }
  else found.push(...reductionsInIdx(s.cond));
  return found;
}

function reductionsInIdx(i: Idx): Extract<Expr, { k: 'reduce' }>[] {
  switch (i.k) {
    case 'lit': case 'var': case 'param': return [];
    case 'read': return reductionsInIdx(i.at);
    case 'op': return [...reductionsInIdx(i.a), ...reductionsInIdx(i.b)];
    case 'sel': return [...reductionsInIdx(i.c), ...reductionsInIdx(i.a), ...reductionsInIdx(i.b)];
    case 'trunc': return reductionsIn({ k: 'let', v: -1, value: i.x });
  }
}

/** Whether an expression reads at an index taken from a buffer or from a value. */
function gathers(e: Expr): boolean {
  const idx = (i: Idx): boolean => {
    switch (i.k) {
      case 'read': case 'trunc': return true;
      case 'op': return idx(i.a) || idx(i.b);
      case 'sel': return idx(i.c) || idx(i.a) || idx(i.b);
      default: return false;
    }
  };
  switch (e.k) {
    case 'call': return e.args.some(gathers);
    case 'load': case 'index': return idx(e.at);
    case 'reduce': return gathers(e.body) || e.over.some((r) => idx(r.lo) || idx(r.hi)) || (e.at !== undefined && idx(e.at));
    default: return false;
  }
}

/** The iteration variables an expression depends on (not counting those it binds), or null when it reads a let. */
export function freeVars(e: Expr): Set<number> | null {
  const out = new Set<number>();
  let readsLet = false;
  const bound = new Set<number>();
  const idx = (i: Idx): void => {
    switch (i.k) {
      case 'var': if (!bound.has(i.v)) out.add(i.v); return;
      case 'read': idx(i.at); return;
      case 'op': idx(i.a); idx(i.b); return;
      case 'sel': idx(i.c); idx(i.a); idx(i.b); return;
      case 'trunc': expr(i.x); return;
      default: return;
    }
  };
  const expr = (x: Expr): void => {
    switch (x.k) {
      case 'call': x.args.forEach(expr); return;
      case 'load': case 'index': idx(x.at); return;
      case 'get': readsLet = true; return;
      case 'reduce':
        for (const r of x.over) { idx(r.lo); idx(r.hi); bound.add(r.v); }
        expr(x.body);
        if (x.at) idx(x.at);
        return;
      default: return;
    }
  };
  expr(e);
  return readsLet ? null : out;
}

export type { ReduceOp };
