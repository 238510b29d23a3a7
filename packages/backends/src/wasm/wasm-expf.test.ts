import { describe, expect, it } from 'vitest';
import { CodeWriter, encodeModule, type ValType } from './wasm-encoder.js';
import { emitExpF32, emitExpF32x4 } from './wasm-expf.js';

/** exp(n floats at address 16) into the n floats after them, scalar or four lanes at a time. */
function expModule(simd: boolean): (xs: Float32Array) => Float32Array {
  const locals: ValType[] = [];
  const local = (t: ValType) => { locals.push(t); return 2 + locals.length - 1; };
  const c = new CodeWriter();
  const [N, I] = [0, 1];
  const step = simd ? 16 : 4;
  c.block().loop();
  c.localGet(I).localGet(N).op('i32.ge_u').brIf(1);
  c.localGet(I).localGet(N).op('i32.add');
  c.localGet(I);
  if (simd) {
    c.simdMemory('v128.load', 16);
    emitExpF32x4(c, local);
    c.simdMemory('v128.store', 16);
  } else {
    c.memory('f32.load', 16).op('f64.promote_f32');
    emitExpF32(c, local);
    c.memory('f32.store', 16);
  }
  c.localGet(I).i32Const(step).op('i32.add').localSet(I).br(0);
  c.end().end();
  const memory = new WebAssembly.Memory({ initial: 1 });
  const bytes = encodeModule({ memory: { module: 'env', name: 'memory', minPages: 1 }, imports: [], functions: [{ type: { params: ['i32', 'i32'], results: [] }, locals, code: c, export: 'run' }] });
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.run as (n: number, i: number) => void;
  return (xs) => {
    const need = 16 + 2 * xs.byteLength;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    new Float32Array(memory.buffer, 16, xs.length).set(xs);
    run(xs.byteLength, 0);
    return new Float32Array(memory.buffer, 16 + xs.byteLength, xs.length).slice();
  };
}

const ulps = (a: number, b: number) => {
  const [x, y] = [new Int32Array(Float32Array.of(a).buffer)[0]!, new Int32Array(Float32Array.of(b).buffer)[0]!];
  return Math.abs(x - y);
};

describe('float32 exp in WebAssembly', () => {
  it('is Math.exp rounded to float32 within one ulp on 2^20 bit patterns and the edges (NaN, ±inf, overflow, subnormals, -0), and its f32x4 form gives the scalar bits', () => {
    const n = 1 << 20;
    const xs = new Float32Array(n + 16);
    const bits = new Uint32Array(xs.buffer);
    for (let i = 0; i < n; i++) bits[i] = Math.imul(i, 0x9e3779b1) >>> 0;
    xs.set([NaN, Infinity, -Infinity, 0, -0, 88.72, 88.73, -87.3, -103.9, -104, -150, 1e-8, -1e-8, 709, -745, 1], n);
    const scalar = expModule(false)(xs);
    const lanes = expModule(true)(xs);
    let off = 0;
    for (let i = 0; i < xs.length; i++) {
      const want = Math.fround(Math.exp(xs[i]!));
      const got = scalar[i]!;
      if (Number.isNaN(want)) expect(Number.isNaN(got), `exp(${xs[i]})`).toBe(true);
      else if (!Object.is(got, want)) {
        expect(ulps(got, want), `exp(${xs[i]}) is ${got}, expected ${want}`).toBeLessThanOrEqual(1);
        off++;
      }
      if (!Object.is(lanes[i], got) && !(Number.isNaN(lanes[i]!) && Number.isNaN(got))) expect.fail(`lanes: exp(${xs[i]}) is ${lanes[i]}, scalar ${got}`);
    }
    expect(off).toBeLessThan(16);
  });
});
