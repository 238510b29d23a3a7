import { describe, expect, it } from 'vitest';
import { ByteWriter, CodeWriter, encodeModule, type WasmFunction } from './wasm-encoder.js';

const instantiate = (functions: WasmFunction[], memory?: WebAssembly.Memory) =>
  new WebAssembly.Instance(
    new WebAssembly.Module(encodeModule({ imports: [], functions, ...(memory ? { memory: { module: 'env', name: 'memory', minPages: 1 } } : {}) })),
    memory ? { env: { memory } } : {},
  ).exports;

describe('the WebAssembly encoder', () => {
  it('writes LEB128 integers as the format defines them', () => {
    expect(Array.from(new ByteWriter().u32(624485).finish())).toEqual([0xe5, 0x8e, 0x26]);
    expect(Array.from(new ByteWriter().sleb(-123456n).finish())).toEqual([0xc0, 0xbb, 0x78]);
    expect(Array.from(new ByteWriter().sleb(63n).finish())).toEqual([0x3f]);
    expect(Array.from(new ByteWriter().sleb(64n).finish())).toEqual([0xc0, 0x00]);
    expect(Array.from(new ByteWriter().sleb(-64n).finish())).toEqual([0x40]);
    expect(Array.from(new ByteWriter().sleb(-65n).finish())).toEqual([0xbf, 0x7f]);
    for (const v of [0, 63, 64, -64, -65, -123456, 2 ** 31 - 1, -(2 ** 31)]) expect(new ByteWriter().sleb(v).finish()).toEqual(new ByteWriter().sleb(BigInt(v)).finish());
  });

  it('constants of every type come back from a compiled module unchanged', () => {
    const i64s = [0n, -1n, 63n, 64n, -65n, 2n ** 31n, -(2n ** 63n), 2n ** 63n - 1n];
    const i32s = [0, -1, 2 ** 31 - 1, -(2 ** 31), 0x12345678];
    const f64s = [0, -0, 1.5, -1e-310, Infinity, NaN, Math.PI];
    const fn = (results: ['i64' | 'i32' | 'f32' | 'f64'], emit: (c: CodeWriter) => void, name: string): WasmFunction => {
      const code = new CodeWriter();
      emit(code);
      return { type: { params: [], results }, locals: [], code, export: name };
    };
    const exports = instantiate([
      ...i64s.map((v, i) => fn(['i64'], (c) => c.i64Const(v), `i64_${i}`)),
      ...i32s.map((v, i) => fn(['i32'], (c) => c.i32Const(v), `i32_${i}`)),
      ...f64s.map((v, i) => fn(['f64'], (c) => c.f64Const(v), `f64_${i}`)),
      ...f64s.map((v, i) => fn(['f32'], (c) => c.f32Const(v), `f32_${i}`)),
    ]);
    const call = (name: string) => (exports[name] as () => number | bigint)();
    i64s.forEach((v, i) => expect(call(`i64_${i}`)).toBe(v));
    i32s.forEach((v, i) => expect(call(`i32_${i}`)).toBe(v));
    f64s.forEach((v, i) => expect(Object.is(call(`f64_${i}`), v) || (Number.isNaN(v) && Number.isNaN(call(`f64_${i}`) as number))).toBe(true));
    f64s.forEach((v, i) => expect(Object.is(call(`f32_${i}`), Math.fround(v)) || (Number.isNaN(v) && Number.isNaN(call(`f32_${i}`) as number))).toBe(true));
  });

  it('a loop with locals, br_if and loads and stores at offsets into an imported memory', () => {
    // for (i = 0; i < n; i++) mem[i + 4] (f64) = mem[i] (i32, at byte offset 8) * 2; returns n
    const code = new CodeWriter();
    const [n, i] = [0, 1];
    code.i32Const(0).localSet(i).block().localGet(i).localGet(n).op('i32.ge_s').brIf(0).loop();
    code.localGet(i).i32Const(3).op('i32.shl');
    code.localGet(i).i32Const(2).op('i32.shl').memory('i32.load', 8).op('f64.convert_i32_s').f64Const(2).op('f64.mul');
    code.memory('f64.store', 32);
    code.localGet(i).i32Const(1).op('i32.add').localTee(i).localGet(n).op('i32.lt_s').brIf(0).end().end();
    code.localGet(n);
    const memory = new WebAssembly.Memory({ initial: 1 });
    new Int32Array(memory.buffer, 8, 3).set([5, -7, 11]);
    const run = instantiate([{ type: { params: ['i32'], results: ['i32'] }, locals: ['i32'], code, export: 'run' }], memory).run as (n: number) => number;
    expect(run(3)).toBe(3);
    expect(Array.from(new Float64Array(memory.buffer, 32, 3))).toEqual([10, -14, 22]);
  });
});
