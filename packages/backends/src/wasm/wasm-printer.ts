import { linearize, upcast, type CallNode, type DType, type Kernel, type LExpr, type LIdx, type LStmt } from '@hypatia/core';
import { bufferOffset, paramOffset } from './launch-record.js';
import { CodeWriter, type BlockType, type MemoryOp, type ScalarValType, type ValType, type WasmFunction } from './wasm-encoder.js';
import { isMathImport, mathImportIndex } from './wasm-math.js';
import { emitExpF32 } from './wasm-expf.js';
import { emitSpan, spanPlan, type SpanHost } from './wasm-span.js';

/**
 * The kernel IR printed as a WebAssembly function `(record: i32) -> i32` of the loop program
 * (`linearize` with space loops): it reads the launch record (launch-record.ts), runs the loops
 * and returns 1 when a check failed. Buffers live in one linear memory. Semantics are the
 * JavaScript printer's: int32 arithmetic wraps, max/min propagate NaN (and keep the first operand
 * on ties, so max(-0, 0) is -0), casts to int32 are JS's ToInt32, round is half to even, mod is a
 * floor modulo, bool is a 0/1 byte. float32 values are computed in f32, each operation rounded, as
 * the C and WGSL printers do (the JS printer rounds only at casts and stores, so a chain of float32
 * operations may differ in its last bit); the transcendental functions are imported from JS.
 * Index arithmetic is i64, as C's int64_t; addresses are i32.
 */
type Call = CallNode<LExpr>;

const VAL: Record<DType, ScalarValType> = { float32: 'f32', float64: 'f64', int32: 'i32', bool: 'i32' };
const LOAD: Record<DType, MemoryOp> = { float32: 'f32.load', float64: 'f64.load', int32: 'i32.load', bool: 'i32.load8_u' };
const STORE: Record<DType, MemoryOp> = { float32: 'f32.store', float64: 'f64.store', int32: 'i32.store', bool: 'i32.store8' };
const SHIFT: Record<DType, number> = { float32: 2, float64: 3, int32: 2, bool: 0 };

const isFloat = (d: DType): d is 'float32' | 'float64' => d === 'float32' || d === 'float64';

/** The record's address: the function's first parameter. */
const RECORD = 0;
/** A share's parameters: which part of how many, along which space axis (walkToWasm). */
const [PART, PARTS, AXIS] = [1, 2, 3];

export interface PrintOptions {
  /** Run the innermost space loop in SIMD lanes where its points allow (default true; tests compare both). */
  readonly spans?: boolean;
}

export function kernelToWasm(k: Kernel, exportName?: string, opts: PrintOptions = {}): WasmFunction {
  return new WasmPrinter(k, opts.spans ?? true, false).print(exportName);
}

/**
 * The kernel as `(record, part, parts, axis) -> i32`: the points whose coordinate on space axis
 * `axis` lies in share `part` of `parts` equal shares of it (wasm-fork.ts splits a launch between
 * threads so). What is computed before that axis' loop (a row's hoisted values) is computed in
 * every share.
 */
export function walkToWasm(k: Kernel, exportName?: string, opts: PrintOptions = {}): WasmFunction {
  return new WasmPrinter(k, opts.spans ?? true, true).print(exportName);
}

class WasmPrinter {
  private readonly c = new CodeWriter();
  /** Locals after the parameters. */
  private readonly locals: ValType[] = [];
  private readonly free: Record<ValType, number[]> = { i32: [], i64: [], f32: [], f64: [], v128: [] };
  private readonly failed: number;
  private readonly params: number[];
  private readonly bases: number[];
  private readonly vars = new Map<number, number>();
  private temps: number[] = [];
  private tempTypes: readonly DType[] = [];

  constructor(private readonly k: Kernel, private readonly spans: boolean, private readonly share: boolean) {
    this.failed = this.local('i32');
    this.params = Array.from({ length: k.nParams }, () => this.local('i64'));
    this.bases = k.buffers.map(() => this.local('i32'));
  }

  print(exportName?: string): WasmFunction {
    const prog = linearize(this.k, { spaceLoops: true });
    this.tempTypes = prog.temps;
    this.temps = prog.temps.map((d) => this.local(VAL[d]));
    const c = this.c;
    this.params.forEach((l, p) => c.localGet(RECORD).memory('i64.load', paramOffset(p)).localSet(l));
    this.bases.forEach((l, b) => c.localGet(RECORD).memory('i32.load', bufferOffset(this.k, b)).localSet(l));
    this.stmts(prog.body);
    c.localGet(this.failed);
    const params: ValType[] = this.share ? ['i32', 'i32', 'i32', 'i32'] : ['i32'];
    return { type: { params, results: ['i32'] }, locals: this.locals, code: c, ...(exportName ? { export: exportName } : {}) };
  }

  private readonly spanHost: SpanHost = {
    c: this.c,
    local: (t) => this.local(t),
    idx: (i) => this.idx(i),
    base: (b) => this.bases[b]!,
    temp: (t) => this.temps[t]!,
  };

  private local(t: ValType): number {
    this.locals.push(t);
    return this.locals.length - 1 + (this.share ? 4 : 1);
  }

  /** A scratch local for a value used more than once; give it back with `release` once read. */
  private scratch(t: ValType): number {
    return this.free[t].pop() ?? this.local(t);
  }

  private release(t: ValType, l: number): void {
    this.free[t].push(l);
  }

  private varLocal(v: number): number {
    let l = this.vars.get(v);
    if (l === undefined) {
      l = this.local('i64');
      this.vars.set(v, l);
    }
    return l;
  }

  // ---- statements ----

  private stmts(ss: readonly LStmt[]): void {
    for (const s of ss) this.stmt(s);
  }

  private stmt(s: LStmt): void {
    const c = this.c;
    switch (s.k) {
      case 'for': {
        // v = lo; end = hi; if (v < end) do { body; v++ } while (v < end)
        const v = this.varLocal(s.v);
        const end = this.scratch('i64');
        if (this.share && s.axis !== undefined && !this.k.sequential) {
          // On the shared axis this share, [hi * part / parts, hi * (part + 1) / parts), else all of
          // it (a branch, not a select: inner loops start once a row and should not divide).
          this.idx(s.lo);
          c.localSet(v);
          this.idx(s.hi);
          c.localSet(end);
          c.localGet(AXIS).i32Const(s.axis).op('i32.eq').if();
          const bound = (next: number) => {
            c.localGet(end).localGet(PART).i32Const(next).op('i32.add').op('i64.extend_i32_u').op('i64.mul');
            c.localGet(PARTS).op('i64.extend_i32_u').op('i64.div_s');
          };
          bound(0);
          c.localSet(v);
          bound(1);
          c.localSet(end);
          c.end();
        } else {
          this.idx(s.lo);
          c.localSet(v);
          this.idx(s.hi);
          c.localSet(end);
        }
        // The innermost space loop runs in SIMD lanes where its points allow (wasm-span.ts), the rest one point at a time.
        const span = this.spans && s.axis === this.k.space.length - 1 && !this.k.sequential ? spanPlan(s.body, s.v, this.k, this.tempTypes) : null;
        if (span) emitSpan(this.spanHost, span, s.body, v, end);
        c.block().localGet(v).localGet(end).op('i64.ge_s').brIf(0);
        c.loop();
        this.stmts(s.body);
        c.localGet(v).i64Const(1).op('i64.add').localTee(v).localGet(end).op('i64.lt_s').brIf(0);
        c.end().end();
        this.release('i64', end);
        return;
      }
      case 'decl':
        this.value(s.init, this.tempTypes[s.t]!);
        c.localSet(this.temps[s.t]!);
        return;
      case 'assign':
        this.value(s.value, this.tempTypes[s.t]!);
        c.localSet(this.temps[s.t]!);
        return;
      case 'if':
        this.cond(s.cond);
        c.if();
        this.stmts(s.then);
        if (s.else) {
          c.else();
          this.stmts(s.else);
        }
        c.end();
        return;
      case 'store': {
        const d = this.k.buffers[s.buf]!.dtype;
        this.address(s.buf, s.at);
        if (s.accumulate) {
          const a = this.scratch('i32');
          c.localTee(a).localGet(a).memory(LOAD[d]);
          this.value(s.value, d);
          c.op(`${VAL[d]}.add`);
          this.release('i32', a);
        } else {
          this.value(s.value, d);
        }
        c.memory(STORE[d]);
        return;
      }
      case 'fail':
        c.i32Const(1).localSet(this.failed);
        return;
      default: {
        const never: never = s;
        throw new Error(`wasm printer: unknown statement ${(never as { k: string }).k}`);
      }
    }
  }

  // ---- memory ----

  /** The byte address of element `at` of buffer `buf` (an i32). */
  private address(buf: number, at: LIdx): void {
    const shift = SHIFT[this.k.buffers[buf]!.dtype];
    this.c.localGet(this.bases[buf]!);
    this.idx(at);
    this.c.op('i32.wrap_i64');
    if (shift) this.c.i32Const(shift).op('i32.shl');
    this.c.op('i32.add');
  }

  // ---- index expressions (i64) ----

  private idx(i: LIdx): void {
    const c = this.c;
    switch (i.k) {
      case 'lit': c.i64Const(i.v); return;
      case 'var': c.localGet(this.varLocal(i.v)); return;
      case 'param': c.localGet(this.params[i.p]!); return;
      case 'temp': c.localGet(this.temps[i.t]!).op('i64.extend_i32_s'); return;
      case 'read': {
        const d = this.k.buffers[i.buf]!.dtype;
        if (d !== 'int32' && d !== 'bool') throw new Error(`kernel ${this.k.name}: an index read from buffer ${i.buf} of ${d} (indices are int32 or bool)`);
        this.address(i.buf, i.at);
        c.memory(LOAD[d]).op(d === 'bool' ? 'i64.extend_i32_u' : 'i64.extend_i32_s');
        return;
      }
      case 'sel':
        this.choose('i64', () => this.idxCond(i.c), () => this.idx(i.a), () => this.idx(i.b), idxCheap(i.a) && idxCheap(i.b));
        return;
      case 'op':
        switch (i.op) {
          case 'add': case 'sub': case 'mul':
            this.idx(i.a);
            this.idx(i.b);
            c.op(`i64.${i.op}`);
            return;
          // Truncating, as Math.trunc(a / b) and a % b on integers.
          case 'div': case 'mod': this.divide(i.op, i.a, i.b); return;
          case 'min': case 'max': {
            const a = this.scratch('i64');
            const b = this.scratch('i64');
            this.idx(i.a);
            c.localSet(a);
            this.idx(i.b);
            // select(b, a, b < a) for min, select(b, a, b > a) for max
            c.localTee(b).localGet(a).localGet(b).localGet(a).op(i.op === 'min' ? 'i64.lt_s' : 'i64.gt_s').op('select');
            this.release('i64', a);
            this.release('i64', b);
            return;
          }
          case 'lt': case 'le': case 'eq': case 'ne': case 'and': case 'or':
            this.idxCond(i);
            c.op('i64.extend_i32_u');
            return;
          default: {
            const never: never = i.op;
            throw new Error(`wasm printer: unknown index operation ${never as string}`);
          }
        }
      default: {
        const never: never = i;
        throw new Error(`wasm printer: unknown index ${(never as { k: string }).k}`);
      }
    }
  }

  /**
   * a / b or a % b on i64 indices, truncating. A 64-bit division costs several times a 32-bit one
   * on x86 (40-90 cycles before Ice Lake), and index arithmetic (a pooling window's bounds, a flat
   * index split into coordinates) divides at every point, so operands in (-2^31, 2^31) take the
   * i32 instruction; -2^31 is left out, whose division by -1 would trap in i32.
   */
  private divide(op: 'div' | 'mod', x: LIdx, y: LIdx): void {
    const c = this.c;
    const a = this.scratch('i64');
    const b = this.scratch('i64');
    this.idx(x);
    c.localSet(a);
    this.idx(y);
    c.localSet(b);
    const fits = (l: number) => c.localGet(l).i64Const(2 ** 31 - 1).op('i64.add').i64Const(2 ** 32 - 1).op('i64.lt_u');
    fits(a);
    fits(b);
    c.op('i32.and').if('i64');
    c.localGet(a).op('i32.wrap_i64').localGet(b).op('i32.wrap_i64').op(op === 'div' ? 'i32.div_s' : 'i32.rem_s').op('i64.extend_i32_s');
    c.else();
    c.localGet(a).localGet(b).op(op === 'div' ? 'i64.div_s' : 'i64.rem_s');
    c.end();
    this.release('i64', a);
    this.release('i64', b);
  }

  /** An index expression as a condition: an i32 that is 0 or 1 (JS's truthiness of the integer). */
  private idxCond(i: LIdx): void {
    const c = this.c;
    if (i.k === 'op') {
      const cmp = { lt: 'i64.lt_s', le: 'i64.le_s', eq: 'i64.eq', ne: 'i64.ne' } as const;
      switch (i.op) {
        case 'lt': case 'le': case 'eq': case 'ne':
          this.idx(i.a);
          this.idx(i.b);
          c.op(cmp[i.op]);
          return;
        case 'and': case 'or':
          // JS evaluates the right operand only when it decides: it may read memory the left one guards.
          if (idxCheap(i.b)) {
            this.idxCond(i.a);
            this.idxCond(i.b);
            c.op(i.op === 'and' ? 'i32.and' : 'i32.or');
          } else if (i.op === 'and') {
            this.choose('i32', () => this.idxCond(i.a), () => this.idxCond(i.b), () => c.i32Const(0), false);
          } else {
            this.choose('i32', () => this.idxCond(i.a), () => c.i32Const(1), () => this.idxCond(i.b), false);
          }
          return;
        default:
          break;
      }
    }
    this.idx(i);
    c.i64Const(0).op('i64.ne');
  }

  /**
   * `cond ? a : b`: a `select` (both arms evaluated, no branch) when the arms are cheap and read
   * no memory, else an if/else, which evaluates only the arm JS would.
   */
  private choose(t: ValType, cond: () => void, a: () => void, b: () => void, cheap: boolean): void {
    if (cheap) {
      a();
      b();
      cond();
      this.c.op('select');
    } else {
      cond();
      this.c.if(t as BlockType);
      a();
      this.c.else();
      b();
      this.c.end();
    }
  }

  // ---- values ----

  /** A value converted to `want` (with the casts' semantics) when its dtype differs. */
  private value(e: LExpr, want: DType): void {
    this.expr(e);
    this.convert(e.dtype, want);
  }

  /** A bool value as an i32 condition; a checked index condition is printed without a round trip through i64. */
  private cond(e: LExpr): void {
    if (e.k === 'index') this.idxCond(e.at);
    else this.value(e, 'bool');
  }

  private expr(e: LExpr): void {
    const c = this.c;
    switch (e.k) {
      case 'const': {
        if (e.dtype === 'float32') c.f32Const(e.v);
        else if (e.dtype === 'float64') c.f64Const(e.v);
        else if (e.dtype === 'bool') c.i32Const(e.v ? 1 : 0);
        else c.i32Const(e.v);
        return;
      }
      case 'load':
        this.address(e.buf, e.at);
        c.memory(LOAD[this.k.buffers[e.buf]!.dtype]);
        this.convert(this.k.buffers[e.buf]!.dtype, e.dtype);
        return;
      case 'index':
        if (e.dtype === 'bool') {
          this.idxCond(e.at);
          return;
        }
        this.idx(e.at);
        // JS: (x | 0), Math.fround(x), +x of an integer
        c.op(e.dtype === 'int32' ? 'i32.wrap_i64' : e.dtype === 'float32' ? 'f32.convert_i64_s' : 'f64.convert_i64_s');
        return;
      case 'temp':
        c.localGet(this.temps[e.t]!);
        this.convert(this.tempTypes[e.t]!, e.dtype);
        return;
      case 'call':
        this.call(e);
        return;
      default: {
        const never: never = e;
        throw new Error(`wasm printer: unknown expression ${(never as { k: string }).k}`);
      }
    }
  }

  /** Evaluates `e` (converted to `d`) into a scratch local and returns it. */
  private toScratch(e: LExpr, d: DType): number {
    const l = this.scratch(VAL[d]);
    this.value(e, d);
    this.c.localSet(l);
    return l;
  }

  private call(e: Call): void {
    const c = this.c;
    const d = e.dtype;
    const t = VAL[d];
    const [x, y, z] = e.args as [LExpr, LExpr, LExpr];
    switch (e.f) {
      case 'add': case 'sub': case 'mul':
        this.value(x, d);
        this.value(y, d);
        c.op(`${t}.${e.f}`);
        return;
      case 'div':
        // true division: the operands are floats (scalar/expr.ts promotes them)
        if (!isFloat(d)) throw new Error(`kernel ${this.k.name}: div of ${d}`);
        this.value(x, d);
        this.value(y, d);
        c.op(`${VAL[d] as 'f32' | 'f64'}.div`);
        return;
      case 'neg':
        if (t === 'i32') {
          c.i32Const(0);
          this.value(x, d);
          c.op('i32.sub');
        } else {
          this.value(x, d);
          c.op(`${t as 'f32' | 'f64'}.neg`);
        }
        return;
      case 'abs':
        if (d === 'bool') this.value(x, d);
        else if (isFloat(d)) {
          this.value(x, d);
          c.op(`${t as 'f32' | 'f64'}.abs`);
        } else {
          // wraps: abs(-2^31) is -2^31
          const a = this.toScratch(x, d);
          c.i32Const(0).localGet(a).op('i32.sub').localGet(a).localGet(a).i32Const(0).op('i32.lt_s').op('select');
          this.release(t, a);
        }
        return;
      case 'sign': {
        if (d === 'bool') {
          this.value(x, d);
          return;
        }
        const a = this.toScratch(x, d);
        if (t === 'i32') {
          c.localGet(a).i32Const(0).op('i32.gt_s').localGet(a).i32Const(0).op('i32.lt_s').op('i32.sub');
        } else {
          const f = t as 'f32' | 'f64';
          const one = (v: number) => (f === 'f32' ? c.f32Const(v) : c.f64Const(v));
          // Math.sign: 1, -1, or the operand itself (NaN, -0, 0)
          one(1);
          one(-1);
          c.localGet(a);
          c.localGet(a);
          one(0);
          c.op(`${f}.lt`).op('select');
          c.localGet(a);
          one(0);
          c.op(`${f}.gt`).op('select');
        }
        this.release(t, a);
        return;
      }
      case 'maximum': case 'minimum': {
        // (a >= b || a !== a) ? a : b, as the JS printer
        const a = this.toScratch(x, d);
        const b = this.toScratch(y, d);
        c.localGet(a).localGet(b).localGet(a).localGet(b);
        const ge = e.f === 'maximum';
        if (t === 'i32') {
          c.op(ge ? 'i32.ge_s' : 'i32.le_s');
        } else {
          const f = t as 'f32' | 'f64';
          c.op(ge ? `${f}.ge` : `${f}.le`).localGet(a).localGet(a).op(`${f}.ne`).op('i32.or');
        }
        c.op('select');
        this.release(t, a);
        this.release(t, b);
        return;
      }
      case 'sqrt':
        this.value(x, d);
        c.op(t === 'f32' ? 'f32.sqrt' : 'f64.sqrt');
        return;
      case 'floor': case 'ceil': case 'round':
        this.value(x, d);
        // An integer is its own floor; nearest rounds half to even, as the JS printer's roundHalfEven
        if (isFloat(d)) c.op(`${t as 'f32' | 'f64'}.${e.f === 'round' ? 'nearest' : e.f}`);
        return;
      case 'exp': case 'log': case 'log1p': case 'expm1': case 'tanh': case 'sin': case 'cos': case 'erf': case 'pow': {
        if (e.f === 'exp' && d === 'float32') {
          // float32 exp in WebAssembly (wasm-expf.ts); float64 stays V8's Math.exp, the reference's.
          this.value(x, d);
          c.op('f64.promote_f32');
          const taken: [ValType, number][] = [];
          emitExpF32(c, (t) => {
            const l = this.scratch(t);
            taken.push([t, l]);
            return l;
          });
          for (const [t, l] of taken) this.release(t, l);
          return;
        }
        if (!isMathImport(e.f)) throw new Error(`wasm printer: ${e.f} is not imported`);
        for (const a of e.args) {
          this.value(a, d);
          if (d === 'float32') c.op('f64.promote_f32');
        }
        c.call(mathImportIndex(e.f));
        if (d === 'float32') c.op('f32.demote_f64');
        return;
      }
      case 'mod':
        if (isFloat(d)) this.floatMod(x, y, d);
        else this.intMod(x, y, d);
        return;
      case 'lt': case 'le': case 'gt': case 'ge': case 'eq': case 'ne': {
        const common = upcast(x.dtype, y.dtype);
        const ct = VAL[common];
        this.value(x, common);
        this.value(y, common);
        if (ct === 'i32') c.op(e.f === 'eq' || e.f === 'ne' ? `i32.${e.f}` : `i32.${e.f}_s`);
        else c.op(`${ct as 'f32' | 'f64'}.${e.f}`);
        return;
      }
      case 'and': case 'or':
        // JS's & and | on 0/1 numbers
        this.value(x, 'bool');
        this.value(y, 'bool');
        c.op(e.f === 'and' ? 'i32.and' : 'i32.or');
        return;
      case 'not':
        // JS's 1 - a
        c.i32Const(1);
        this.value(x, 'bool');
        c.op('i32.sub');
        return;
      case 'isnan': case 'isinf': {
        if (!isFloat(x.dtype)) {
          c.i32Const(0);
          return;
        }
        const f = VAL[x.dtype] as 'f32' | 'f64';
        if (e.f === 'isnan') {
          const a = this.toScratch(x, x.dtype);
          c.localGet(a).localGet(a).op(`${f}.ne`);
          this.release(f, a);
        } else {
          this.value(x, x.dtype);
          c.op(`${f}.abs`);
          if (f === 'f32') c.f32Const(Infinity).op('f32.eq');
          else c.f64Const(Infinity).op('f64.eq');
        }
        return;
      }
      case 'bitand': case 'bitor': case 'bitxor': case 'shl': case 'shru': {
        // On the uint32 words int32 holds; wasm takes shift amounts mod 32, as JS does.
        const ops = { bitand: 'i32.and', bitor: 'i32.or', bitxor: 'i32.xor', shl: 'i32.shl', shru: 'i32.shr_u' } as const;
        this.value(x, 'int32');
        this.value(y, 'int32');
        c.op(ops[e.f]);
        return;
      }
      case 'mulhi_u32':
        this.value(x, 'int32');
        c.op('i64.extend_i32_u');
        this.value(y, 'int32');
        c.op('i64.extend_i32_u').op('i64.mul').i64Const(32).op('i64.shr_u').op('i32.wrap_i64');
        return;
      case 'select':
        this.choose(t, () => this.value(x, 'bool'), () => this.value(y, d), () => this.value(z, d), exprCheap(y) && exprCheap(z));
        return;
      case 'cast':
        this.value(x, d);
        return;
      default: {
        const never: never = e.f;
        throw new Error(`wasm printer: no WebAssembly for the primitive ${never as string}`);
      }
    }
  }

  /** JS's floor modulo of floats, a - floor(a / b) * b, in f64 (float32 operands too, as JS computes it). */
  private floatMod(x: LExpr, y: LExpr, d: DType): void {
    const c = this.c;
    const a = this.scratch('f64');
    const b = this.scratch('f64');
    this.value(x, 'float64');
    c.localSet(a);
    this.value(y, 'float64');
    c.localSet(b);
    c.localGet(a).localGet(a).localGet(b).op('f64.div').op('f64.floor').localGet(b).op('f64.mul').op('f64.sub');
    if (d === 'float32') c.op('f32.demote_f64');
    this.release('f64', a);
    this.release('f64', b);
  }

  /** int32 floor modulo (the sign of the divisor); a modulo by 0 is 0, as NaN stored into an int32 array is. */
  private intMod(x: LExpr, y: LExpr, d: DType): void {
    const c = this.c;
    const a = this.toScratch(x, d);
    const b = this.toScratch(y, d);
    const m = this.scratch('i32');
    // rem_s traps on 0: divide by 1 instead, whose remainder is the 0 wanted
    c.localGet(a).localGet(b).localGet(b).op('i32.eqz').op('i32.or').op('i32.rem_s').localSet(m);
    c.localGet(m).localGet(b).op('i32.add').localGet(m);
    c.localGet(m).i32Const(0).op('i32.ne').localGet(m).localGet(b).op('i32.xor').i32Const(0).op('i32.lt_s').op('i32.and');
    c.op('select');
    for (const l of [a, b, m]) this.release('i32', l);
  }

  /** Converts the value on the stack from one dtype to another, as the JS printer's casts do. */
  private convert(from: DType, to: DType): void {
    if (from === to) return;
    const c = this.c;
    switch (to) {
      case 'int32':
        if (from === 'bool') return;
        if (from === 'float32') c.op('f64.promote_f32');
        this.toInt32();
        return;
      case 'bool':
        // JS's x ? 1 : 0, so NaN and -0 are false
        if (from === 'int32') c.i32Const(0).op('i32.ne');
        else if (from === 'float32') c.op('f32.abs').f32Const(0).op('f32.gt');
        else c.op('f64.abs').f64Const(0).op('f64.gt');
        return;
      case 'float32':
        c.op(from === 'float64' ? 'f32.demote_f64' : 'f32.convert_i32_s');
        return;
      case 'float64':
        c.op(from === 'float32' ? 'f64.promote_f32' : 'f64.convert_i32_s');
        return;
      default: {
        const never: never = to;
        throw new Error(`wasm printer: unknown dtype ${never as string}`);
      }
    }
  }

  /**
   * JS's ToInt32 of the f64 on the stack: truncate, then wrap modulo 2^32; NaN and infinities give 0.
   * t - floor(t / 2^32) * 2^32 is exact for every integral t and lies in [0, 2^32); NaN and
   * infinities become NaN, which the saturating conversion takes to 0.
   */
  private toInt32(): void {
    const c = this.c;
    const t = this.scratch('f64');
    c.op('f64.trunc').localTee(t).localGet(t).f64Const(2 ** -32).op('f64.mul').op('f64.floor').f64Const(2 ** 32).op('f64.mul').op('f64.sub');
    c.truncSat('i64.trunc_sat_f64_s').op('i32.wrap_i64');
    this.release('f64', t);
  }
}

/** Whether evaluating an index expression needlessly costs little and reads no memory. */
function idxCheap(i: LIdx, budget = { n: 8 }): boolean {
  if (--budget.n < 0) return false;
  switch (i.k) {
    case 'lit': case 'var': case 'param': case 'temp': return true;
    case 'read': return false;
    case 'op': return i.op !== 'div' && i.op !== 'mod' && idxCheap(i.a, budget) && idxCheap(i.b, budget);
    case 'sel': return idxCheap(i.c, budget) && idxCheap(i.a, budget) && idxCheap(i.b, budget);
  }
}

/** Whether evaluating a value needlessly costs little and reads no memory (a select's arm). */
function exprCheap(e: LExpr, budget = { n: 8 }): boolean {
  if (--budget.n < 0) return false;
  switch (e.k) {
    case 'const': case 'temp': return true;
    case 'load': return false;
    case 'index': return idxCheap(e.at, budget);
    case 'call': return !isMathImport(e.f) && e.f !== 'mod' && e.args.every((a) => exprCheap(a, budget));
  }
}
