import { CodeWriter, type ValType, type WasmFunction } from '../wasm-encoder.js';
import { bufferOffset, paramOffset } from '../launch-record.js';

/**
 * A hand-written function under construction: named locals and the structured loops the routines
 * are made of, over the encoder's CodeWriter. Routines take a launch record, as printed kernels
 * do (launch-record.ts), and return 0.
 */
export class FunctionBuilder {
  readonly c = new CodeWriter();
  private readonly locals: ValType[] = [];

  constructor(private readonly nParams = 1) {}

  local(t: ValType): number {
    this.locals.push(t);
    return this.nParams + this.locals.length - 1;
  }

  i32(): number {
    return this.local('i32');
  }

  /** A launch parameter (an i64 in the record) as an i32, into a new local. */
  param(p: number): number {
    const l = this.i32();
    this.c.localGet(0).memory('i64.load', paramOffset(p)).op('i32.wrap_i64').localSet(l);
    return l;
  }

  /** Buffer b's address from the record, of a kernel with `nParams` parameters, into a new local. */
  buffer(nParams: number, b: number): number {
    const l = this.i32();
    this.c.localGet(0).memory('i32.load', bufferOffset({ nParams }, b)).localSet(l);
    return l;
  }

  /** local = value (what `emit` leaves on the stack). */
  set(l: number, emit: () => void): void {
    emit();
    this.c.localSet(l);
  }

  /** for (v = from; v < to; v += step) body, on i32 locals; `to` is read each iteration. */
  forRange(v: number, from: () => void, to: number, step: number, body: () => void): void {
    const c = this.c;
    from();
    c.localSet(v);
    c.block().loop();
    c.localGet(v).localGet(to).op('i32.ge_s').brIf(1);
    body();
    c.localGet(v).i32Const(step).op('i32.add').localSet(v);
    c.br(0);
    c.end().end();
  }

  /** min(a, b) of two i32 locals, on the stack. */
  min(a: () => void, b: () => void): void {
    const t1 = this.i32();
    const t2 = this.i32();
    a();
    this.c.localSet(t1);
    b();
    this.c.localTee(t2).localGet(t1).localGet(t2).localGet(t1).op('i32.lt_s').op('select');
    // select(t2, t1, t2 < t1)
  }

  finish(exportName: string): WasmFunction {
    this.c.i32Const(0);
    return { type: { params: Array.from({ length: this.nParams }, () => 'i32' as const), results: ['i32'] }, locals: this.locals, code: this.c, export: exportName };
  }
}
