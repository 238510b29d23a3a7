import { CodeWriter, type WasmFunction } from './wasm-encoder.js';
import { LOOP_LOCALS, emitLoop } from './routines/loop-wasm.js';

/**
 * The WebAssembly side of a replayed plan (wasm-replay.ts writes the program): a function
 * `run(table, pc, end) -> i32` in the compiled function's module that walks a program of i32 words
 * from byte address `pc` to `end`, one instruction per launch:
 *
 *     kernel, record, addresses, count, slot[count]
 *
 * For each buffer i, the address held in the slot table at `table + 4 * slot[i]` is stored at
 * `addresses + 4 * i` (the buffer part of the launch record, launch-record.ts), then kernel
 * `kernel` runs on `record`. Slots are the plan's buffers: fixed ones hold the same address every
 * call, the others are written before each call (shared variables, update blocks) or by an earlier
 * launch (a slice's view, written by its region kernel). Returns 0, or 1 + the index of the
 * instruction whose launch failed a check, having run nothing after it.
 *
 * Kernels are dispatched by a br_table over direct calls: one function of the module, so a plan
 * recorded at a call needs no new module, and a dispatch costs a few instructions next to a launch.
 * A negative `kernel` is a loop (routines/loop-wasm.ts): its body is a program elsewhere, which
 * the interpreter runs by calling itself once per step. The interpreter is the function after the
 * kernels (index firstKernelIndex + kernelCount).
 */
export const INSTRUCTION_HEADER_WORDS = 4;

export function planInterpreter(kernelCount: number, firstKernelIndex: number): WasmFunction {
  const [TABLE, PC, END] = [0, 1, 2];
  const [K, REC, ADDRS, N, COUNT, FAILED] = [3, 4, 5, 6, 7, 8];
  const c = new CodeWriter();
  c.block(); // $done
  c.loop(); // $next
  c.localGet(PC).localGet(END).op('i32.ge_u').brIf(1);
  c.localGet(COUNT).i32Const(1).op('i32.add').localSet(COUNT);
  c.localGet(PC).memory('i32.load', 0).localSet(K);
  c.localGet(PC).memory('i32.load', 4).localSet(REC);
  c.localGet(PC).memory('i32.load', 8).localSet(ADDRS);
  c.localGet(PC).memory('i32.load', 12).localSet(N);
  c.localGet(PC).i32Const(4 * INSTRUCTION_HEADER_WORDS).op('i32.add').localSet(PC);
  // The buffers' addresses, from the slot table into the record.
  c.block().localGet(N).op('i32.eqz').brIf(0).loop();
  c.localGet(ADDRS);
  c.localGet(TABLE).localGet(PC).memory('i32.load', 0).i32Const(2).op('i32.shl').op('i32.add').memory('i32.load', 0);
  c.memory('i32.store', 0);
  c.localGet(ADDRS).i32Const(4).op('i32.add').localSet(ADDRS);
  c.localGet(PC).i32Const(4).op('i32.add').localSet(PC);
  c.localGet(N).i32Const(1).op('i32.sub').localTee(N).brIf(0);
  c.end().end();
  c.localGet(K).i32Const(0).op('i32.lt_s').if();
  emitLoop(c, { table: TABLE, rec: REC, kind: K, failed: FAILED, first: FAILED + 1 }, firstKernelIndex + kernelCount);
  c.else();
  // switch (k): block $ok { block $k{n-1} ... block $k0 { br_table } call k0; br $ok ... }
  c.block(); // $ok
  for (let i = 0; i < kernelCount; i++) c.block();
  c.block(); // $unknown: an instruction naming no kernel fails
  c.localGet(K).brTable(Array.from({ length: kernelCount }, (_, i) => i + 1), 0);
  c.end();
  c.i32Const(1).localSet(FAILED).br(kernelCount);
  for (let i = 0; i < kernelCount; i++) {
    c.end();
    c.localGet(REC).call(firstKernelIndex + i).localSet(FAILED).br(kernelCount - 1 - i);
  }
  c.end(); // $ok
  c.end();
  c.localGet(FAILED).if().localGet(COUNT).op('return').end();
  c.br(0);
  c.end().end();
  c.i32Const(0);
  return { type: { params: ['i32', 'i32', 'i32'], results: ['i32'] }, locals: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', ...LOOP_LOCALS], code: c, export: 'run' };
}
