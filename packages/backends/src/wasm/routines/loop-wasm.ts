import { E, I, KernelBuilder, type DType, type Kernel } from '@hypatia/core';
import type { LaunchSignature, WasmKernelTable } from '../function-module.js';
import { CodeWriter, type WasmFunction } from '../wasm-encoder.js';
import { MATH_IMPORT_DECLS } from '../wasm-math.js';

/** Words per row of a loop's row table: dst slot, parent slot, c0, c1, ring, row bytes. */
export const LOOP_ROW_WORDS = 6;

/**
 * A loop's launch (a Scan in a replayed plan): parameters steps, stop slot (-1: none), count slot
 * (-1: none), number of rows, and the body's program as byte addresses [from, to); buffers the
 * plan's slot table and the loop's row table.
 */
const LOOP_SIGNATURE: LaunchSignature = {
  name: 'loop',
  nParams: 6,
  buffers: [{ dtype: 'int32', access: 'readwrite' }, { dtype: 'int32', access: 'read' }],
};

/**
 * The loop routine of a function's module for a stop condition of `stop`'s dtype (null: no
 * `until`). At each step t it places every row the body reads or writes (slot dst = slot parent +
 * row(t) * rowBytes, the row c0 + c1 t modulo ring, as scan-schedule.ts's rowAt), runs the body by
 * calling the plan interpreter on the body's program (so a loop in a loop is a call in a call),
 * and stops after a step whose stop scalar is true (non-zero, not NaN); the steps run go to the
 * count slot's int32. A failed check in the body fails the loop's launch, which sends the call
 * back to the JS path.
 */
export function loopFunction(table: WasmKernelTable, stop: DType | null): number {
  // The interpreter follows every kernel function: its index is only known once the table is complete.
  return table.get(`loop:${stop ?? 'none'}`, LOOP_SIGNATURE, (name) => loopRoutine(stop, MATH_IMPORT_DECLS.length + table.list.length, name));
}

function loopRoutine(stop: DType | null, interpreter: number, exportName: string): WasmFunction {
  const REC = 0;
  const [TABLE, ROWS, STEPS, STOP, COUNT, NROWS, FROM, TO, T, R, ROW, AT] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [F32, F64] = [13, 14];
  const c = new CodeWriter();
  const param = (p: number, local: number) => c.localGet(REC).memory('i64.load', 8 * p).op('i32.wrap_i64').localSet(local);
  const slot = (local: number) => c.localGet(TABLE).localGet(local).i32Const(2).op('i32.shl').op('i32.add');
  c.localGet(REC).memory('i32.load', 8 * LOOP_SIGNATURE.nParams).localSet(TABLE);
  c.localGet(REC).memory('i32.load', 8 * LOOP_SIGNATURE.nParams + 4).localSet(ROWS);
  [STEPS, STOP, COUNT, NROWS, FROM, TO].forEach((local, p) => param(p, local));
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
  c.localGet(TABLE).localGet(AT).memory('i32.load', 0).i32Const(2).op('i32.shl').op('i32.add');
  c.localGet(TABLE).localGet(AT).memory('i32.load', 4).i32Const(2).op('i32.shl').op('i32.add').memory('i32.load', 0);
  c.localGet(ROW).localGet(AT).memory('i32.load', 20).op('i32.mul').op('i32.add');
  c.memory('i32.store', 0);
  c.localGet(AT).i32Const(4 * LOOP_ROW_WORDS).op('i32.add').localSet(AT);
  c.localGet(R).i32Const(1).op('i32.add').localSet(R);
  c.br(0);
  c.end().end();
  // The body; a failed check in it fails the loop.
  c.localGet(TABLE).localGet(FROM).localGet(TO).call(interpreter).if().i32Const(1).op('return').end();
  c.localGet(T).i32Const(1).op('i32.add').localSet(T);
  if (stop) {
    c.localGet(STOP).i32Const(0).op('i32.ge_s').if();
    slot(STOP).memory('i32.load', 0);
    truthy(c, stop, F32, F64);
    c.brIf(2);
    c.end();
  }
  c.br(0);
  c.end().end();
  c.localGet(COUNT).i32Const(0).op('i32.ge_s').if();
  slot(COUNT).memory('i32.load', 0).localGet(T).memory('i32.store', 0);
  c.end();
  c.i32Const(0);
  return {
    type: { params: ['i32'], results: ['i32'] },
    locals: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'f32', 'f64'],
    code: c,
    export: exportName,
  };
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
