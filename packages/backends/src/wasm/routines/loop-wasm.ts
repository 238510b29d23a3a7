import { E, I, KernelBuilder, type DType, type Kernel } from '@hypatia/core';
import type { LaunchSignature, WasmKernelTable } from '../function-module.js';
import type { CodeWriter } from '../wasm-encoder.js';

/** Words per row of a loop's row table: dst slot, parent slot, c0, c1, ring, row bytes. */
export const LOOP_ROW_WORDS = 6;

/** The stop conditions' dtypes a loop instruction names, by code: instruction -1 has no stop, -2 - i stops on a scalar of STOP_DTYPES[i]. */
const STOP_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The plan instruction number of a loop whose stop condition has `stop`'s dtype (null: no `until`); kernels are numbered from 0. */
export function loopInstruction(stop: DType | null): number {
  return stop === null ? -1 : -2 - STOP_DTYPES.indexOf(stop);
}

/**
 * A loop instruction's launch record: parameters steps, stop slot, count slot (-1: none), number
 * of rows, and the body's program as byte addresses [from, to); one buffer, the loop's row table.
 */
export const LOOP_SIGNATURE: LaunchSignature = { name: 'loop', nParams: 6, buffers: [{ dtype: 'int32', access: 'read' }] };

/** What a plan instruction binds: a kernel's signature, or a loop's. */
export function instructionSignature(table: WasmKernelTable, k: number): LaunchSignature {
  return k < 0 ? LOOP_SIGNATURE : table.signature(k);
}

/** The locals the loop code needs beyond the interpreter's own, in order. */
export const LOOP_LOCALS = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'f32', 'f64'] as const;

/**
 * The plan interpreter's code for a loop instruction (a Scan in a replayed plan), with its record
 * at local `rec` and the slot table at local `table`: at each step t it places every row the body
 * reads or writes (slot dst = slot parent + row(t) * rowBytes, the row c0 + c1 t modulo ring, as
 * scan-schedule.ts's rowAt), runs the body's program by calling the interpreter itself (function
 * `self`; a loop in a loop is a call in a call), and stops after a step whose stop scalar is true
 * (non-zero, not NaN); the steps run go to the count slot's int32. `kind` holds the instruction
 * number (loopInstruction). A failed check in the body sets local `failed` to 1 and ends the loop.
 * Locals `first` on are LOOP_LOCALS.
 */
export function emitLoop(c: CodeWriter, l: { table: number; rec: number; kind: number; failed: number; first: number }, self: number): void {
  const [STEPS, STOP, COUNT, NROWS, FROM, TO, ROWS, T, R, ROW, AT, F32, F64] = LOOP_LOCALS.map((_, i) => l.first + i);
  const slot = (local: number) => c.localGet(l.table).localGet(local).i32Const(2).op('i32.shl').op('i32.add');
  [STEPS, STOP, COUNT, NROWS, FROM, TO].forEach((local, p) => c.localGet(l.rec).memory('i64.load', 8 * p).op('i32.wrap_i64').localSet(local));
  c.localGet(l.rec).memory('i32.load', 8 * LOOP_SIGNATURE.nParams).localSet(ROWS);
  c.i32Const(0).localSet(T).i32Const(0).localSet(l.failed);
  c.block(); // $done
  c.loop(); // $step
  c.localGet(T).localGet(STEPS).op('i32.ge_s').brIf(1);
  // The rows of step t.
  c.i32Const(0).localSet(R).localGet(ROWS).localSet(AT);
  c.block().loop();
  c.localGet(R).localGet(NROWS).op('i32.ge_s').brIf(1);
  c.localGet(AT).memory('i32.load', 8).localGet(AT).memory('i32.load', 12).localGet(T).op('i32.mul').op('i32.add').localSet(ROW);
  c.localGet(AT).memory('i32.load', 16).if();
  c.localGet(ROW).localGet(AT).memory('i32.load', 16).op('i32.rem_s').localSet(ROW);
  c.localGet(ROW).i32Const(0).op('i32.lt_s').if().localGet(ROW).localGet(AT).memory('i32.load', 16).op('i32.add').localSet(ROW).end();
  c.end();
  // table[dst] = table[parent] + row * rowBytes
  c.localGet(l.table).localGet(AT).memory('i32.load', 0).i32Const(2).op('i32.shl').op('i32.add');
  c.localGet(l.table).localGet(AT).memory('i32.load', 4).i32Const(2).op('i32.shl').op('i32.add').memory('i32.load', 0);
  c.localGet(ROW).localGet(AT).memory('i32.load', 20).op('i32.mul').op('i32.add');
  c.memory('i32.store', 0);
  c.localGet(AT).i32Const(4 * LOOP_ROW_WORDS).op('i32.add').localSet(AT);
  c.localGet(R).i32Const(1).op('i32.add').localSet(R);
  c.br(0);
  c.end().end();
  // The body; a failed check in it fails the loop.
  c.localGet(l.table).localGet(FROM).localGet(TO).call(self).if().i32Const(1).localSet(l.failed).br(2).end();
  c.localGet(T).i32Const(1).op('i32.add').localSet(T);
  // The stop condition, by the dtype the instruction names.
  STOP_DTYPES.forEach((dtype, i) => {
    c.localGet(l.kind).i32Const(-2 - i).op('i32.eq').if();
    slot(STOP).memory('i32.load', 0);
    truthy(c, dtype, F32, F64);
    c.brIf(2);
    c.end();
  });
  c.br(0);
  c.end().end();
  c.localGet(l.failed).op('i32.eqz').localGet(COUNT).i32Const(0).op('i32.ge_s').op('i32.and').if();
  slot(COUNT).memory('i32.load', 0).localGet(T).memory('i32.store', 0);
  c.end();
}

/** With a scalar's address on the stack, leaves its truth (non-zero and not NaN) as an i32. */
function truthy(c: CodeWriter, dtype: DType, f32: number, f64: number): void {
  switch (dtype) {
    case 'float32':
      c.memory('f32.load', 0).localTee(f32).f32Const(0).op('f32.ne').localGet(f32).localGet(f32).op('f32.eq').op('i32.and');
      break;
    case 'float64':
      c.memory('f64.load', 0).localTee(f64).f64Const(0).op('f64.ne').localGet(f64).localGet(f64).op('f64.eq').op('i32.and');
      break;
    case 'int32':
      c.memory('i32.load', 0).i32Const(0).op('i32.ne');
      break;
    case 'bool':
      c.memory('i32.load8_u', 0).i32Const(0).op('i32.ne');
      break;
  }
}

/**
 * A branch was taken because a scalar's truth was `value` (parameter 0: 1 or 0): a replay checks
 * it still is (a conditional's recorded branch). Buffer: the scalar.
 */
export function truthKernel(dtype: DType): Kernel {
  const k = new KernelBuilder(`truth_${dtype}`);
  const x = k.input(dtype);
  const value = k.param();
  k.space();
  const v = E.cast(x.at(0), 'float64');
  const isZero = I.trunc(E.cast(E.eq(v, E.c(0, 'float64')), 'int32'));
  const notNaN = I.trunc(E.cast(E.eq(v, v), 'int32'));
  k.check(I.eq(I.and(I.eq(isZero, 0), notNaN), value));
  return k.build();
}
