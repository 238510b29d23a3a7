import { linearIn, type CallNode, type DType, type Kernel, type LExpr, type LIdx, type LStmt } from '@hypatia/core';
import type { CodeWriter, ValType } from './wasm-encoder.js';
import { emitExpF32x4 } from './wasm-expf.js';

/**
 * The innermost space loop in SIMD128 lanes (f32x4 or f64x2), as the C printer's unit-stride spans
 * are for gcc: when a point is straight-line code whose values are all of one float dtype (bools
 * as lane masks) and whose loads and stores move along the loop with stride 0 or 1 (checked at run
 * time; stores with stride 1), the row runs four (or two) points at a time and the last few one at
 * a time. Each lane operation is the scalar one (IEEE f32/f64 arithmetic; max/min, select and the
 * casts written as compares and bit selects with the scalar printer's NaN and -0 rules; float32 exp
 * the same steps as the scalar one, wasm-expf.ts), so a vectorised row gives the scalar loop's bits.
 * A stride-0 operand is read as a splat of its element; a load that does not move at all (a scalar
 * operand, a row's hoisted value) is splat once a row. Points read an element only where they
 * write it (an update in place), no other access touches a stored buffer, and temporaries are
 * declared by the point, so lanes never carry a value from one point to the next. A load under a
 * select's arm, which the scalar loop reads only where the arm is taken, is read in every lane:
 * the row runs in lanes only when all it would read lies in memory.
 */
type Lane = 'f32x4' | 'f64x2';

/**
 * A buffer position the point reads or writes, moving along the loop (`coef` per point). `guarded`:
 * read only under a select's arm, which the scalar loop reads only where the arm is taken.
 */
interface Access { id: number; buf: number; at: LIdx; coef: LIdx; rest: LIdx; store: boolean; guarded: boolean }

/** A load that does not move along the loop, read once a row. */
interface Invariant { buf: number; at: LIdx; guarded: boolean }

export interface SpanPlan {
  readonly dtype: 'float32' | 'float64';
  readonly lane: Lane;
  readonly lanes: number;
  readonly esize: number;
  readonly accesses: readonly Access[];
  /** Loads that do not move along the loop: read once a row. */
  readonly invariant: readonly Invariant[];
  /** Temporaries declared by the point (lane vectors) and read from outside it (splat once a row). */
  readonly inner: ReadonlySet<number>;
  readonly outer: ReadonlySet<number>;
}

type Call = CallNode<LExpr>;

/** A span plan for the loop over variable `v` with this body, or null when the body cannot run in lanes. */
export function spanPlan(body: readonly LStmt[], v: number, k: Kernel, tempTypes: readonly DType[]): SpanPlan | null {
  const stores = body.filter((s): s is Extract<LStmt, { k: 'store' }> => s.k === 'store');
  if (!stores.length || body.some((s) => s.k !== 'decl' && s.k !== 'assign' && s.k !== 'store')) return null;
  const dtype = k.buffers[stores[0]!.buf]!.dtype;
  if (dtype !== 'float32' && dtype !== 'float64') return null;
  // Temporaries the point declares, in order: one read before its declaration would be the previous point's.
  const inner = new Set<number>();
  const outer = new Set<number>();
  const accesses: Access[] = [];
  const invariant: Invariant[] = [];
  let ok = true;
  const access = (buf: number, at: LIdx, store: boolean, guarded: boolean) => {
    if (k.buffers[buf]!.dtype !== dtype) ok = false;
    // A guarded position is computed before the arm is known to be taken: it may not read memory itself.
    if (guarded && readsBuffer(at)) ok = false;
    if (!store && !mentionsOrTemp(at, v)) {
      const same = invariant.find((x) => x.buf === buf && idxKey(x.at) === idxKey(at));
      if (same) same.guarded &&= guarded;
      else invariant.push({ buf, at, guarded });
      return;
    }
    const known = accesses.find((a) => a.buf === buf && idxKey(a.at) === idxKey(at));
    if (known) {
      known.store ||= store;
      known.guarded &&= guarded;
      return;
    }
    const lin = linearIn(at, v);
    if (!lin) ok = false;
    else accesses.push({ id: accesses.length, buf, at, coef: lin.coef, rest: lin.rest, store, guarded });
  };
  const check = (e: LExpr, want: DType | 'bool', guarded: boolean): void => {
    if (!ok) return;
    if (!lanesOk(e, dtype, want, tempTypes, inner, outer)) {
      ok = false;
      return;
    }
    if (e.k === 'load') access(e.buf, e.at, false, guarded);
    else if (e.k === 'call' && !(e.f === 'cast' && e.args[0]!.k === 'const')) {
      e.args.forEach((a, i) => check(a, argDtype(e, i, dtype), guarded || (e.f === 'select' && i > 0)));
    }
  };
  for (const s of body) {
    if (s.k === 'store') {
      check(s.value, dtype, false);
      access(s.buf, s.at, true, false);
    } else if (s.k === 'decl' || s.k === 'assign') {
      const t = tempTypes[s.t]!;
      if (t !== dtype && t !== 'bool') ok = false;
      check(s.k === 'decl' ? s.init : s.value, t === 'bool' ? 'bool' : dtype, false);
      // Lanes hold a declared temporary for one group; one assigned but declared outside would carry from point to point.
      if (s.k === 'decl') {
        if (outer.has(s.t)) ok = false;
        inner.add(s.t);
      } else if (!inner.has(s.t)) ok = false;
    }
  }
  if (!ok) return null;
  // A stored buffer must be touched nowhere else: a value could otherwise pass from one point to the next.
  for (const w of accesses.filter((a) => a.store)) {
    if (accesses.some((a) => a !== w && a.buf === w.buf) || invariant.some((x) => x.buf === w.buf)) return null;
  }
  const lane: Lane = dtype === 'float32' ? 'f32x4' : 'f64x2';
  return { dtype, lane, lanes: dtype === 'float32' ? 4 : 2, esize: dtype === 'float32' ? 4 : 8, accesses, invariant, inner, outer };
}

/** The dtype an argument of a lane call is evaluated in: bool for conditions and logic, else the span's. */
function argDtype(e: Call, i: number, dtype: DType): DType | 'bool' {
  if (e.f === 'select') return i === 0 ? 'bool' : dtype;
  if (e.f === 'and' || e.f === 'or' || e.f === 'not') return 'bool';
  if (e.f === 'cast') return e.args[0]!.dtype === 'bool' ? 'bool' : dtype;
  return dtype;
}

/** Whether `e` (wanted as the span's dtype or as a mask) has a lane form. */
function lanesOk(e: LExpr, dtype: DType, want: DType | 'bool', tempTypes: readonly DType[], inner: ReadonlySet<number>, outer: Set<number>): boolean {
  switch (e.k) {
    case 'const': return e.dtype === want;
    case 'load': return e.dtype === dtype && want === dtype;
    case 'index': return false;
    case 'temp':
      if (tempTypes[e.t] !== want || e.dtype !== want) return false;
      if (!inner.has(e.t)) {
        if (want !== dtype) return false;
        outer.add(e.t);
      }
      return true;
    case 'call': {
      const f = e.f;
      const args = e.args;
      if (e.dtype !== want) return false;
      switch (f) {
        case 'add': case 'sub': case 'mul': case 'div': case 'neg': case 'abs': case 'sqrt': case 'floor': case 'ceil': case 'round':
        case 'maximum': case 'minimum': case 'sign':
          return want === dtype && args.every((a) => a.dtype === dtype);
        case 'exp': return want === 'float32' && args[0]!.dtype === 'float32';
        case 'mod': return want === 'float64' && args.every((a) => a.dtype === 'float64');
        case 'select': return want === dtype && args[0]!.dtype === 'bool' && args[1]!.dtype === dtype && args[2]!.dtype === dtype;
        case 'lt': case 'le': case 'gt': case 'ge': case 'eq': case 'ne': case 'isnan': case 'isinf':
          return want === 'bool' && args.every((a) => a.dtype === dtype);
        case 'and': case 'or': case 'not': return want === 'bool' && args.every((a) => a.dtype === 'bool');
        case 'cast': {
          const from = args[0]!.dtype;
          if (want === dtype) return from === dtype || from === 'bool' || args[0]!.k === 'const';
          return want === 'bool' && (from === dtype || from === 'bool');
        }
        default: return false;
      }
    }
  }
}

function mentionsOrTemp(i: LIdx, v: number): boolean {
  switch (i.k) {
    case 'var': return i.v === v;
    case 'temp': return true;
    case 'lit': case 'param': return false;
    case 'read': return mentionsOrTemp(i.at, v);
    case 'op': return mentionsOrTemp(i.a, v) || mentionsOrTemp(i.b, v);
    case 'sel': return mentionsOrTemp(i.c, v) || mentionsOrTemp(i.a, v) || mentionsOrTemp(i.b, v);
  }
}

function readsBuffer(i: LIdx): boolean {
  switch (i.k) {
    case 'read': return true;
    case 'lit': case 'var': case 'param': case 'temp': return false;
    case 'op': return readsBuffer(i.a) || readsBuffer(i.b);
    case 'sel': return readsBuffer(i.c) || readsBuffer(i.a) || readsBuffer(i.b);
  }
}

function idxKey(i: LIdx): string {
  switch (i.k) {
    case 'lit': return `${i.v}`;
    case 'var': return `v${i.v}`;
    case 'param': return `p${i.p}`;
    case 'temp': return `t${i.t}`;
    case 'read': return `b${i.buf}[${idxKey(i.at)}]`;
    case 'op': return `${i.op}(${idxKey(i.a)},${idxKey(i.b)})`;
    case 'sel': return `sel(${idxKey(i.c)},${idxKey(i.a)},${idxKey(i.b)})`;
  }
}

/** What the span emitter needs of the printer. */
export interface SpanHost {
  readonly c: CodeWriter;
  /** A new local of a type. */
  local(t: ValType): number;
  /** Emits an index expression (i64). */
  idx(i: LIdx): void;
  /** The local holding buffer b's address. */
  base(b: number): number;
  /** The local of a scalar temporary. */
  temp(t: number): number;
}

/**
 * Emits the vector part of a row: with v (i64 local) at the row's first point and `end` its end,
 * runs whole groups of lanes when the strides allow and leaves v at the first point not yet run,
 * for the scalar loop to finish.
 */
export function emitSpan(h: SpanHost, plan: SpanPlan, body: readonly LStmt[], v: number, end: number): void {
  const { c } = h;
  const { lane, lanes, esize: E, dtype } = plan;
  const scalarLoad = dtype === 'float32' ? 'f32.load' : 'f64.load';
  const splat = `${lane}.splat` as const;
  // Whole groups of lanes in the row; nothing more is computed for a row shorter than one.
  const groups = h.local('i32');
  c.localGet(end).localGet(v).op('i64.sub').i64Const(lanes).op('i64.div_s').op('i32.wrap_i64').localTee(groups);
  c.i32Const(0).op('i32.gt_s').if();
  const coef = plan.accesses.map(() => h.local('i64'));
  const rest = plan.accesses.map(() => h.local('i64'));
  plan.accesses.forEach((a, i) => {
    h.idx(a.coef);
    c.localSet(coef[i]!);
    h.idx(a.rest);
    c.localSet(rest[i]!);
  });
  const invariantAt = plan.invariant.map((x) => {
    const l = h.local('i64');
    c.localGet(h.base(x.buf)).op('i64.extend_i32_u');
    h.idx(x.at);
    c.i64Const(E).op('i64.mul').op('i64.add').localSet(l);
    return l;
  });
  // The memory's length in bytes, for the guarded loads below.
  const memoryBytes = h.local('i64');
  if (plan.accesses.some((a) => a.guarded) || plan.invariant.some((x) => x.guarded)) {
    c.memorySize().op('i64.extend_i32_u').i64Const(16).op('i64.shl').localSet(memoryBytes);
  }
  // Strides a span can run: loads 0 or 1, stores 1. A guarded load is read in every lane, taken or
  // not, so its row must lie in memory (the scalar loop would not read it where its arm is not taken).
  c.i32Const(1);
  plan.accesses.forEach((a, i) => {
    c.localGet(coef[i]!);
    if (a.store) c.i64Const(1).op('i64.eq');
    else c.i64Const(2).op('i64.lt_u');
    c.op('i32.and');
    if (a.guarded) {
      const first = h.local('i64');
      c.localGet(h.base(a.buf)).op('i64.extend_i32_u').localGet(rest[i]!).localGet(v).localGet(coef[i]!).op('i64.mul').op('i64.add').i64Const(E).op('i64.mul').op('i64.add').localTee(first);
      c.i64Const(0).op('i64.ge_s').op('i32.and');
      c.localGet(first).localGet(groups).op('i64.extend_i32_u').localGet(coef[i]!).op('i64.mul').i64Const(E * lanes).op('i64.mul').op('i64.add').i64Const(16).op('i64.add');
      c.localGet(memoryBytes).op('i64.le_s').op('i32.and');
    }
  });
  plan.invariant.forEach((x, i) => {
    if (!x.guarded) return;
    c.localGet(invariantAt[i]!).i64Const(0).op('i64.ge_s').op('i32.and');
    c.localGet(invariantAt[i]!).i64Const(E).op('i64.add').localGet(memoryBytes).op('i64.le_s').op('i32.and');
  });
  c.if();
  const ptr = plan.accesses.map(() => h.local('i32'));
  const step = plan.accesses.map(() => h.local('i32'));
  const unit = plan.accesses.map(() => h.local('v128'));
  const fixed = plan.accesses.map(() => h.local('v128'));
  plan.accesses.forEach((a, i) => {
    // The address of this row's first point, and how far a group of lanes moves it.
    c.localGet(h.base(a.buf)).localGet(rest[i]!).localGet(v).localGet(coef[i]!).op('i64.mul').op('i64.add').op('i32.wrap_i64').i32Const(E).op('i32.mul').op('i32.add').localSet(ptr[i]!);
    c.localGet(coef[i]!).op('i32.wrap_i64').i32Const(E * lanes).op('i32.mul').localSet(step[i]!);
    if (!a.store) {
      // A stride-0 operand is its element splat in every lane; its vector load then reads address 0
      // (always in memory, and discarded), never past the end of memory.
      c.i32Const(0).localGet(coef[i]!).op('i32.wrap_i64').op('i32.sub').simd('i32x4.splat').localSet(unit[i]!);
      c.localGet(ptr[i]!).memory(scalarLoad).simd(splat).localSet(fixed[i]!);
      c.localGet(ptr[i]!).i32Const(0).localGet(coef[i]!).op('i32.wrap_i64').op('select').localSet(ptr[i]!);
    }
  });
  const invariant = plan.invariant.map((x, i) => {
    const l = h.local('v128');
    c.localGet(invariantAt[i]!).op('i32.wrap_i64').memory(scalarLoad).simd(splat).localSet(l);
    return { ...x, l };
  });
  const outer = new Map([...plan.outer].map((t) => {
    const l = h.local('v128');
    c.localGet(h.temp(t)).simd(splat).localSet(l);
    return [t, l] as const;
  }));
  const inner = new Map([...plan.inner].map((t) => [t, h.local('v128')] as const));
  const scratch = (t: ValType) => h.local(t);

  const find = (buf: number, at: LIdx) => plan.accesses.findIndex((a) => a.buf === buf && idxKey(a.at) === idxKey(at));
  const expr = (e: LExpr): void => {
    switch (e.k) {
      case 'const':
        if (e.dtype === 'bool') c.i32x4Const(e.v ? -1 : 0);
        else if (dtype === 'float32') c.f32x4Const(e.v);
        else c.f64x2Const(e.v);
        return;
      case 'load': {
        const i = find(e.buf, e.at);
        if (i < 0) {
          c.localGet(invariant.find((x) => x.buf === e.buf && idxKey(x.at) === idxKey(e.at))!.l);
          return;
        }
        // A stored buffer (an update in place) moves with stride 1; a stride-0 operand reads its element in every lane.
        c.localGet(ptr[i]!).simdMemory('v128.load');
        if (!plan.accesses[i]!.store) c.localGet(fixed[i]!).localGet(unit[i]!).simd('v128.bitselect');
        return;
      }
      case 'temp':
        c.localGet(inner.get(e.t) ?? outer.get(e.t)!);
        return;
      case 'index':
        throw new Error('wasm span: an index value has no lane form');
      case 'call':
        call(e);
        return;
    }
  };
  const call = (e: Call): void => {
    const [x, y, z] = e.args as [LExpr, LExpr, LExpr];
    const bin = (op: 'add' | 'sub' | 'mul' | 'div') => { expr(x); expr(y); c.simd(`${lane}.${op}`); };
    switch (e.f) {
      case 'add': case 'sub': case 'mul': case 'div': bin(e.f); return;
      case 'neg': case 'abs': case 'sqrt': case 'floor': case 'ceil':
        expr(x);
        c.simd(`${lane}.${e.f}`);
        return;
      case 'round': expr(x); c.simd(`${lane}.nearest`); return;
      case 'maximum': case 'minimum': {
        // (a >= b || a !== a) ? a : b, as the scalar printer
        const [a, b] = [scratch('v128'), scratch('v128')];
        expr(x);
        c.localSet(a);
        expr(y);
        c.localSet(b);
        c.localGet(a).localGet(b).localGet(a).localGet(b).simd(e.f === 'maximum' ? `${lane}.ge` : `${lane}.le`);
        c.localGet(a).localGet(a).simd(`${lane}.ne`).simd('v128.or').simd('v128.bitselect');
        return;
      }
      case 'sign': {
        // 1, -1, or the operand itself (NaN, -0, 0), as Math.sign
        const a = scratch('v128');
        expr(x);
        c.localSet(a);
        const k = (n: number) => (dtype === 'float32' ? c.f32x4Const(n) : c.f64x2Const(n));
        k(1);
        k(-1);
        c.localGet(a);
        c.localGet(a);
        k(0);
        c.simd(`${lane}.lt`).simd('v128.bitselect');
        c.localGet(a);
        k(0);
        c.simd(`${lane}.gt`).simd('v128.bitselect');
        return;
      }
      case 'exp': expr(x); emitExpF32x4(c, scratch); return;
      case 'mod': {
        // a - floor(a / b) * b, as JS computes a float modulo
        const [a, b] = [scratch('v128'), scratch('v128')];
        expr(x);
        c.localSet(a);
        expr(y);
        c.localSet(b);
        c.localGet(a).localGet(a).localGet(b).simd('f64x2.div').simd('f64x2.floor').localGet(b).simd('f64x2.mul').simd('f64x2.sub');
        return;
      }
      case 'select': expr(y); expr(z); expr(x); c.simd('v128.bitselect'); return;
      case 'lt': case 'le': case 'gt': case 'ge': case 'eq': case 'ne': expr(x); expr(y); c.simd(`${lane}.${e.f}`); return;
      case 'isnan': {
        const a = scratch('v128');
        expr(x);
        c.localTee(a).localGet(a).simd(`${lane}.ne`);
        return;
      }
      case 'isinf':
        expr(x);
        c.simd(`${lane}.abs`);
        if (dtype === 'float32') c.f32x4Const(Infinity);
        else c.f64x2Const(Infinity);
        c.simd(`${lane}.eq`);
        return;
      case 'and': expr(x); expr(y); c.simd('v128.and'); return;
      case 'or': expr(x); expr(y); c.simd('v128.or'); return;
      case 'not': expr(x); c.simd('v128.not'); return;
      case 'cast': {
        const from = x.dtype;
        if (e.dtype === 'bool') {
          if (from === 'bool') expr(x);
          else {
            // JS's truthiness: |a| > 0 (NaN and -0 are false)
            expr(x);
            c.simd(`${lane}.abs`);
            if (dtype === 'float32') c.f32x4Const(0);
            else c.f64x2Const(0);
            c.simd(`${lane}.gt`);
          }
          return;
        }
        if (from === e.dtype) { expr(x); return; }
        if (from === 'bool') {
          expr(x);
          if (dtype === 'float32') c.f32x4Const(1);
          else c.f64x2Const(1);
          c.simd('v128.and');
          return;
        }
        // A constant of another dtype: its value in this one, as the scalar cast gives it.
        const value = (x as Extract<LExpr, { k: 'const' }>).v;
        if (dtype === 'float32') c.f32x4Const(Math.fround(value));
        else c.f64x2Const(value);
        return;
      }
      default:
        throw new Error(`wasm span: no lane form of ${e.f}`);
    }
  };

  c.loop();
  for (const s of body) {
    if (s.k === 'decl' || s.k === 'assign') {
      expr(s.k === 'decl' ? s.init : s.value);
      c.localSet(inner.get(s.t)!);
    } else if (s.k === 'store') {
      const i = find(s.buf, s.at);
      c.localGet(ptr[i]!);
      if (s.accumulate) {
        c.localGet(ptr[i]!).simdMemory('v128.load');
        expr(s.value);
        c.simd(`${lane}.add`);
      } else expr(s.value);
      c.simdMemory('v128.store');
    }
  }
  plan.accesses.forEach((_, i) => c.localGet(ptr[i]!).localGet(step[i]!).op('i32.add').localSet(ptr[i]!));
  c.localGet(v).i64Const(lanes).op('i64.add').localSet(v);
  c.localGet(groups).i32Const(1).op('i32.sub').localTee(groups).brIf(0);
  c.end();
  c.end();
  c.end();
}
