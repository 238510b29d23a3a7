import { describe, expect, it } from 'vitest';
import { E, I, KernelBuilder, linearize, typedArrayFor, type DType, type Expr, type Idx, type Kernel, type LStmt, type TypedArray } from '@hypatia/core';
import { encodeModule } from './wasm-encoder.js';
import { writeLaunchRecord } from './launch-record.js';
import { MATH_FUNCTIONS, MATH_IMPORT_DECLS } from './wasm-math.js';
import { kernelToWasm } from './wasm-printer.js';
import { spanPlan } from './wasm-span.js';

/** Runs a kernel printed with or without SIMD spans on copies of host arrays; returns the arrays after it. */
function run(k: Kernel, arrays: readonly TypedArray[], params: readonly number[], spans: boolean): TypedArray[] {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const bytes = encodeModule({ memory: { module: 'env', name: 'memory', minPages: 1 }, imports: MATH_IMPORT_DECLS, functions: [kernelToWasm(k, 'k', { spans })] });
  const fn = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory }, math: MATH_FUNCTIONS }).exports.k as (r: number) => number;
  let at = 64;
  const addrs = arrays.map((a) => { const x = at; at += Math.ceil(a.byteLength / 16) * 16 + 16; return x; });
  const rec = at;
  if (memory.buffer.byteLength < at + 1024) memory.grow(Math.ceil((at + 1024) / 65536));
  arrays.forEach((a, i) => new Uint8Array(memory.buffer, addrs[i], a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
  writeLaunchRecord(memory.buffer, rec, k, params, addrs);
  expect(fn(rec)).toBe(0);
  return arrays.map((a, i) => {
    const out = typedArrayFor(k.buffers[i]!.dtype, a.length);
    new Uint8Array(out.buffer).set(new Uint8Array(memory.buffer, addrs[i], a.byteLength));
    return out;
  });
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

function innermostBody(k: Kernel): { body: readonly LStmt[]; v: number; temps: readonly DType[] } {
  const prog = linearize(k, { spaceLoops: true });
  let body = prog.body;
  for (let d = 0; d < k.space.length; d++) {
    const loop = body.find((s): s is Extract<LStmt, { k: 'for' }> => s.k === 'for' && s.axis === d)!;
    if (d === k.space.length - 1) return { body: loop.body, v: loop.v, temps: prog.temps };
    body = loop.body;
  }
  throw new Error('no space loop');
}

const VALUES = [0, -0, 1, -1, 0.5, -2.5, 3.75, 1e-30, 1e30, 88.5, -104, Infinity, -Infinity, NaN, 7, -7, 0.1, 2.5, -0.5, 100];
const fill = (d: DType, n: number, salt: number) => {
  const a = typedArrayFor(d, n);
  for (let i = 0; i < n; i++) a[i] = VALUES[(i * 7 + salt) % VALUES.length]! * (1 + (i % 3) * 0.25);
  return a;
};

/** A 2-D kernel out[r, c] = f(x, y) with each operand's strides given as parameters, so a row walks it with stride 0, 1 or 2. */
function twoOperandKernel(name: string, d: DType, f: (x: Expr, y: Expr) => Expr, opts: { inPlace?: boolean; accumulate?: boolean } = {}): Kernel {
  const k = new KernelBuilder(name);
  const x = k.input(d);
  const y = k.input(d);
  const out = k.buffer(d, opts.inPlace || opts.accumulate ? 'readwrite' : 'write');
  const [rows, cols, xr, xc, yr, yc] = k.params(6) as Idx[];
  const [r, c] = k.space(rows!, cols!) as Idx[];
  const at = I.add(I.mul(r!, cols!), c!);
  const xv = x.at(I.add(I.mul(r!, xr!), I.mul(c!, xc!)));
  const yv = y.at(I.add(I.mul(r!, yr!), I.mul(c!, yc!)));
  k.store(out, at, f(opts.inPlace ? E.sub(out.at(at), xv) : xv, yv), { accumulate: opts.accumulate ?? false });
  return k.build();
}

describe('SIMD spans of the innermost loop', () => {
  const f32 = (x: Expr, y: Expr) => E.add(E.div(E.c(1, 'float32'), E.add(E.c(1, 'float32'), E.exp(E.neg(x)))),
    E.select(E.call('and', [E.gt(x, y), E.call('not', [E.call('isnan', [y])])]), E.max(x, y), E.mul(E.min(x, y), E.call('sign', [y]))));
  const kernels: [string, Kernel][] = [
    ['float32 sigmoid, compares, masks, max/min/sign', twoOperandKernel('f32_mix', 'float32', f32)],
    ['float32 rounding, sqrt and casts from bool', twoOperandKernel('f32_round', 'float32', (x, y) => E.add(E.add(E.call('floor', [x]), E.call('round', [y])), E.add(E.call('sqrt', [E.call('abs', [x])]), E.cast(E.lt(x, y), 'float32'))))],
    ['float64 arithmetic, floor modulo and isinf', twoOperandKernel('f64_mix', 'float64', (x, y) => E.select(E.call('isinf', [x]), y, E.add(E.call('mod', [x, y]), E.call('ceil', [E.mul(x, y)]))))],
    ['an update in place (out = out - x, then combined with y)', twoOperandKernel('in_place', 'float32', (x, y) => E.sub(x, E.mul(y, E.c(0.5, 'float32'))), { inPlace: true })],
    ['an accumulating store', twoOperandKernel('accumulate', 'float64', (x, y) => E.mul(x, y), { accumulate: true })],
  ];
  for (const [what, k] of kernels) {
    it(`${what}: vectorised, and bit-identical to the scalar loop for strides 1, 0 and 2 and rows of every length`, () => {
      const { body, v, temps } = innermostBody(k);
      expect(spanPlan(body, v, k, temps)).not.toBeNull();
      const d = k.buffers[0]!.dtype;
      for (const cols of [0, 1, 3, 4, 7, 8, 13]) {
        for (const [xc, yc] of [[1, 1], [0, 1], [1, 0], [2, 1], [0, 0]]) {
          const rows = 3;
          const params = [rows, cols, cols * 2 + 1, xc, cols * 2 + 1, yc];
          const n = rows * (cols * 2 + 1) + 2 * cols + 4;
          const arrays = [fill(d, n, 1), fill(d, n, 5), fill(d, rows * cols, 9)];
          const [withSpans, scalar] = [run(k, arrays, params, true), run(k, arrays, params, false)];
          const out = withSpans[2]!;
          for (let i = 0; i < out.length; i++) {
            if (!same(out[i]!, scalar[2]![i]!)) expect.fail(`cols ${cols}, strides ${xc}/${yc}: element ${i} is ${out[i]}, the scalar loop gives ${scalar[2]![i]}`);
          }
        }
      }
    });
  }

  it("a row's hoisted value (a reduction) and a scalar operand read once a row are splat across the lanes", () => {
    const k = new KernelBuilder('softmax_like');
    const x = k.input('float32');
    const lr = k.input('float32');
    const y = k.output('float32');
    const [rows, cols] = k.params(2) as Idx[];
    const [r, c] = k.space(rows!, cols!) as Idx[];
    const at = (q: Idx) => I.add(I.mul(r!, cols!), q);
    const m = k.reduce('max', [cols!], ([q]) => x.at(at(q!)), { acc: 'float32' });
    k.store(y, at(c!), E.mul(E.exp(E.sub(x.at(at(c!)), m)), lr.at(0)));
    const kernel = k.build();
    const { body, v, temps } = innermostBody(kernel);
    expect(spanPlan(body, v, kernel, temps)).not.toBeNull();
    const arrays = [fill('float32', 5 * 11, 2), Float32Array.of(0.25), new Float32Array(5 * 11)];
    const [a, b] = [run(kernel, arrays, [5, 11], true), run(kernel, arrays, [5, 11], false)];
    expect(Array.from(a[2]!)).toEqual(Array.from(b[2]!));
  });

  it("reads a load under a select's arm in every lane only when the row lies in memory, as the scalar loop reads it only where the arm is taken", () => {
    const k = new KernelBuilder('guarded');
    const x = k.input('float32');
    const y = k.input('float32');
    const out = k.output('float32');
    const [n, off] = k.params(2) as Idx[];
    const [i] = k.space(n!) as Idx[];
    k.store(out, i!, E.select(E.gt(x.at(i!), E.c(0, 'float32')), y.at(I.add(i!, off!)), E.c(2, 'float32')));
    const kernel = k.build();
    const { body, v, temps } = innermostBody(kernel);
    const plan = spanPlan(body, v, kernel, temps);
    expect(plan?.accesses.find((a) => a.buf === 1)?.guarded).toBe(true);
    // y's row far past the end of memory, never read since x <= 0 everywhere: no trap, every point the else arm.
    const xs = Float32Array.from({ length: 13 }, (_, q) => -q);
    const [, , far] = run(kernel, [xs, new Float32Array(4), new Float32Array(13)], [13, 1 << 24], true);
    expect(Array.from(far!)).toEqual(new Array(13).fill(2));
    // Within memory the row runs in lanes and gives the scalar loop's bits.
    const mixed = [fill('float32', 13, 3), fill('float32', 20, 4), new Float32Array(13)];
    const [a, b] = [run(kernel, mixed, [13, 5], true), run(kernel, mixed, [13, 5], false)];
    expect(Array.from(a[2]!)).toEqual(Array.from(b[2]!));
  });

  it('is not used where a temporary declared outside the point is assigned in it', () => {
    const k = new KernelBuilder('carried');
    const x = k.input('float32');
    const out = k.output('float32');
    const [n] = k.params(1) as Idx[];
    const [i] = k.space(n!) as Idx[];
    k.store(out, i!, x.at(i!));
    const kernel = k.build();
    const { body, v } = innermostBody(kernel);
    const store = body.find((s): s is Extract<LStmt, { k: 'store' }> => s.k === 'store')!;
    const t = 0;
    const temps: DType[] = ['float32'];
    // t = t + x[i]; out[i] = t: a running sum, which lanes would not carry from one point to the next.
    const running: LStmt[] = [
      { k: 'assign', t, value: { k: 'call', f: 'add', args: [{ k: 'temp', t, dtype: 'float32' }, store.value], dtype: 'float32' } },
      { ...store, value: { k: 'temp', t, dtype: 'float32' } },
    ];
    expect(spanPlan(running, v, kernel, temps)).toBeNull();
    // Read before the point declares it: the previous point's value.
    const early: LStmt[] = [
      { ...store, value: { k: 'temp', t, dtype: 'float32' } },
      { k: 'decl', t, dtype: 'float32', init: store.value },
    ];
    expect(spanPlan(early, v, kernel, temps)).toBeNull();
    expect(spanPlan([{ k: 'decl', t, dtype: 'float32', init: store.value }, { ...store, value: { k: 'temp', t, dtype: 'float32' } }], v, kernel, temps)).not.toBeNull();
  });

  it('is not used where lanes could carry a value from one point to the next, or for integers', () => {
    const shifted = new KernelBuilder('shifted');
    const buf = shifted.buffer('float32', 'readwrite');
    const [n] = shifted.params(1) as Idx[];
    const [i] = shifted.space(n!) as Idx[];
    shifted.store(buf, i!, E.add(buf.at(I.add(i!, 1)), E.c(1, 'float32')));
    const ints = new KernelBuilder('ints');
    const a = ints.input('int32');
    const o = ints.output('int32');
    const [m] = ints.params(1) as Idx[];
    const [j] = ints.space(m!) as Idx[];
    ints.store(o, j!, E.add(a.at(j!), E.c(1, 'int32')));
    for (const k of [shifted.build(), ints.build()]) {
      const { body, v, temps } = innermostBody(k);
      expect(spanPlan(body, v, k, temps), k.name).toBeNull();
    }
    // The shifted update still runs, one point at a time, as the JS printer would.
    const data = Float32Array.from({ length: 9 }, (_, q) => q);
    const [after] = run(shifted.build(), [data], [8], true);
    expect(Array.from(after!)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 8]);
  });
});
