import { describe, expect, it } from 'vitest';
import { E, I, KernelBuilder, SCALAR_FNS, call, compileKernelJS, resultDtype, typedArrayFor, type DType, type Expr, type Kernel, type ScalarFn, type TypedArray } from '@hypatia/core';
import { argReduceKernel, filled, gatherKernel, rowSoftmaxKernel, scatterAddKernel, windowMaxKernel } from '../testing/printer-kernels.js';
import { runKernelWasm } from './run-wasm.js';

/**
 * Printed WebAssembly against the JavaScript printer (the IR's semantics), on the same arrays:
 * bit for bit, -0 and NaN included.
 */
function agree(k: Kernel, make: () => TypedArray[], params: number[]): void {
  const js = make();
  const failedJs = compileKernelJS(k)(js, params);
  const wasm = make();
  const failedWasm = runKernelWasm(k, wasm, params);
  expect(failedWasm, `${k.name}: check flag`).toBe(failedJs);
  expect(firstDifference(js, wasm), k.name).toBeNull();
}

function firstDifference(want: readonly TypedArray[], got: readonly TypedArray[]): string | null {
  for (let i = 0; i < want.length; i++) {
    for (let j = 0; j < want[i]!.length; j++) {
      if (!same(got[i]![j]!, want[i]![j]!)) return `buffer ${i} element ${j} is ${got[i]![j]}, expected ${want[i]![j]}`;
    }
  }
  return null;
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

const FLOATS = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, -7, 0.1, -3.75, 123.456, 1e-30, 1e30, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 5, 2 ** 53, -1e20, Infinity, -Infinity, NaN];
const INTS = [0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 65535, 0x12345678, -0x789abcde, 2 ** 31 - 1, -(2 ** 31)];
const VALUES: Record<DType, number[]> = { float32: FLOATS, float64: FLOATS, int32: INTS, bool: [0, 1] };

/** out[i] = f(a[i], b[i], ...) over every combination of the dtype's special values. */
function primitiveKernel(f: ScalarFn, d: DType): { k: Kernel; make: () => TypedArray[]; n: number } {
  const arity = SCALAR_FNS[f];
  const argDtypes: DType[] = f === 'select' ? ['bool', d, d] : Array(arity).fill(d);
  const k = new KernelBuilder(`prim_${f}_${d}`);
  const ins = argDtypes.map((ad) => k.input(ad));
  const probe = argDtypes.map((ad) => E.c(0, ad));
  const out = k.output(resultDtype(f, probe));
  const [n] = k.params(1);
  const [i] = k.space(n!);
  k.store(out, i!, call<Expr>(f, ins.map((b) => b.at(i!))));
  // Every combination of the operands' values.
  const combos: number[][] = argDtypes.reduce<number[][]>((acc, ad) => acc.flatMap((c) => VALUES[ad].map((v) => [...c, v])), [[]]);
  return {
    k: k.build(),
    n: combos.length,
    make: () => [...argDtypes.map((ad, a) => filled(ad, combos.length, (j) => combos[j]![a]!)), typedArrayFor(out.dtype, combos.length)],
  };
}

describe('the WebAssembly printer agrees with the JavaScript printer', () => {
  it('a row softmax with its reductions hoisted to the row loop', () => {
    agree(rowSoftmaxKernel(), () => [filled('float32', 301 * 7, (q) => (q === 40 ? NaN : q === 90 ? Infinity : Math.cos(q * 1.3) * 50)), new Float32Array(301 * 7)], [301, 7]);
  });

  it('argmax and argmin: the first extreme wins ties, NaN beats every number, an all -Infinity row gives 0', () => {
    for (const op of ['argmax', 'argmin'] as const) {
      agree(argReduceKernel(op), () => [Float64Array.of(1, 3, 3, 0, NaN, 5, NaN, 2, NaN, -Infinity, -Infinity, -Infinity, 2, -0, 0), new Int32Array(5)], [5, 3]);
    }
  });

  it('a failed check skips the rest of its point and raises the flag; the other points run', () => {
    const k = gatherKernel();
    agree(k, () => [Float32Array.of(10, 20, 30), Int32Array.of(-1, 5, 0, 2, -4), Float32Array.of(7, 7, 7, 7, 7)], [3, 5]);
    const out = Float32Array.of(7, 7, 7, 7, 7);
    expect(runKernelWasm(k, [Float32Array.of(10, 20, 30), Int32Array.of(-1, 5, 0, 2, -4), out], [3, 5])).toBe(true);
    expect(Array.from(out)).toEqual([30, 7, 10, 30, 7]);
    expect(runKernelWasm(k, [Float32Array.of(10, 20, 30), Int32Array.of(-1, 0), new Float32Array(2)], [3, 2])).toBe(false);
  });

  it('a sequential scatter accumulates colliding targets in order (float32, int32 and bool buffers)', () => {
    for (const d of ['float32', 'int32', 'bool'] as const) {
      const vals = d === 'bool' ? [1, 1, 0, 1, 1] : d === 'int32' ? [2 ** 31 - 1, 2, 4, 8, -16] : [1, 2, 4, 8, 16.5];
      agree(scatterAddKernel(d), () => [filled(d, 5, (t) => vals[t]!), Int32Array.of(2, 0, 2, 2, 1), filled(d, 3, () => 1)], [5]);
    }
  });

  it('windows clipped at the borders: ranges that depend on the point', () => {
    agree(windowMaxKernel(), () => [filled('float32', 2000, (t) => (t === 7 ? NaN : Math.sin(t * 0.37))), new Float32Array(2000)], [2000, 3]);

    const s = new KernelBuilder('window_mean_2d');
    const x = s.input('float64');
    const y = s.output('float64');
    const [h, wd, win] = s.params(3);
    const [i, j] = s.space(h!, wd!);
    const lo = (v: typeof i) => I.max(I.sub(v!, win!), 0);
    const hi = (v: typeof i, n: typeof h) => I.min(I.add(v!, I.add(win!, 1)), n!);
    const sum = s.reduce('sum', [[lo(i), hi(i, h)], [lo(j), hi(j, wd)]], ([a, b]) => x.at(I.add(I.mul(a!, wd!), b!)));
    const count = E.index(I.mul(I.sub(hi(i, h), lo(i)), I.sub(hi(j, wd), lo(j))), 'float64');
    s.store(y, I.add(I.mul(i!, wd!), j!), E.div(sum, count));
    agree(s.build(), () => [filled('float64', 13 * 9, (t) => Math.sqrt(t) - 4), new Float64Array(13 * 9)], [13, 9, 2]);
  });

  it('int32 arithmetic wraps; mod is a floor modulo (0 for a zero divisor); index arithmetic is 64-bit', () => {
    const k = new KernelBuilder('int_wrap');
    const a = k.input('int32');
    const b = k.input('int32');
    const out = k.output('int32');
    const [n] = k.params(1);
    const [i] = k.space(n!);
    const [x, y] = [a.at(i!), b.at(i!)];
    const exprs = [E.add(x, y), E.sub(x, y), E.mul(x, y), E.neg(x), E.call('abs', [x]), E.call('mod', [x, y]),
      // 3 * 2^31 overflows int32, not the index arithmetic; / and % truncate
      E.index(I.div(I.mul(a.read(i!), 3), 2), 'int32'), E.index(I.mod(a.read(i!), 5), 'int32')];
    exprs.forEach((e, q) => k.store(out, I.add(I.mul(i!, exprs.length), q), e));
    const pairs = INTS.flatMap((p) => INTS.map((q) => [p, q]));
    agree(k.build(), () => [filled('int32', pairs.length, (t) => pairs[t]![0]!), filled('int32', pairs.length, (t) => pairs[t]![1]!), new Int32Array(pairs.length * exprs.length)], [pairs.length]);
  });

  it('index division and remainder truncate on every pair of int32 extremes and beyond 2^31 (the i32 fast path and the i64 one agree)', () => {
    const k = new KernelBuilder('index_divide');
    const a = k.input('int32');
    const b = k.input('int32');
    const out = k.output('float64');
    const [n] = k.params(1);
    const [i] = k.space(n!);
    const [x, y] = [a.read(i!), b.read(i!)];
    const exprs = [I.div(x, y), I.mod(x, y), I.div(I.mul(x, 3), y), I.mod(I.mul(x, 3), y), I.div(x, I.mul(y, 3)), I.mod(I.sub(x, 1), y)];
    // 2e + 1: a zero remainder of a negative operand is -0 in JS, an integer index either way.
    exprs.forEach((e, q) => k.store(out, I.add(I.mul(i!, exprs.length), q), E.index(I.add(I.mul(e, 2), 1), 'float64')));
    const pairs = INTS.flatMap((p) => INTS.filter((q) => q !== 0).map((q) => [p, q]));
    agree(k.build(), () => [filled('int32', pairs.length, (t) => pairs[t]![0]!), filled('int32', pairs.length, (t) => pairs[t]![1]!), new Float64Array(pairs.length * exprs.length)], [pairs.length]);
  });

  it('casts of NaN, infinities, -0, halves and values beyond 2^31 to int32 and bool (JS ToInt32 and truthiness), and every other cast', () => {
    const dtypes: DType[] = ['float32', 'float64', 'int32', 'bool'];
    for (const from of dtypes) {
      for (const to of dtypes) {
        const k = new KernelBuilder(`cast_${from}_${to}`);
        const x = k.input(from);
        const y = k.output(to);
        const [n] = k.params(1);
        const [i] = k.space(n!);
        k.store(y, i!, E.cast(x.at(i!), to));
        const vals = [...VALUES[from], ...(from === 'float64' ? [2 ** 63, -(2 ** 63), 2 ** 70 + 2 ** 20, 4294967295.5, -4294967296.25, 1.7e308] : [])];
        agree(k.build(), () => [filled(from, vals.length, (t) => vals[t]!), typedArrayFor(to, vals.length)], [vals.length]);
      }
    }
  });

  it('every primitive of the formula IR on every dtype, over combinations of special values', () => {
    const dtypes: DType[] = ['float32', 'float64', 'int32', 'bool'];
    let checked = 0;
    for (const f of Object.keys(SCALAR_FNS) as ScalarFn[]) {
      if (f === 'cast') continue;
      for (const d of dtypes) {
        const { k, make, n } = primitiveKernel(f, d);
        agree(k, make, [n]);
        checked++;
      }
    }
    expect(checked).toBe((Object.keys(SCALAR_FNS).length - 1) * dtypes.length);
  });

  it('integers as values, index selects, and conditions and selects that guard a read far outside memory', () => {
    const k = new KernelBuilder('guarded');
    const idx = k.input('int32');
    const flags = k.input('bool');
    const vals = k.input('float64');
    const out = k.output('float32');
    const [n, m] = k.params(2);
    const [i] = k.space(m!);
    // idx[i] is read only where i < n; flags[j] and vals[j] only where j is in range (j may be 1e9).
    const j = I.sel(I.lt(i!, n!), idx.read(i!), I.sub(0, i!));
    const inRange = I.within(j, 0, n!);
    const ok = I.and(inRange, I.ne(flags.read(j), 0));
    const picked = E.select(E.index(inRange, 'bool'), vals.at(j), E.c(-1, 'float64'));
    const v = E.select(E.index(ok, 'bool'), E.index(I.max(I.min(j, 5), -5), 'float32'), E.index(I.or(I.eq(j, -1), I.le(j, -3)), 'float32'));
    k.store(out, i!, E.add(E.cast(v, 'float64'), picked));
    agree(k.build(), () => [Int32Array.of(0, 3, -2, 1e9, 1, 2, -1e9), Uint8Array.of(1, 0, 1, 1, 0, 1, 1), Float64Array.of(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5), new Float32Array(9)], [7, 9]);
  });
});

describe('the WebAssembly printer computes float32 in float32', () => {
  it('rounds each float32 operation, as C and WGSL do (the JS printer rounds only at casts and stores)', () => {
    const k = new KernelBuilder('f32_chain');
    const a = k.input('float32');
    const b = k.input('float32');
    const y = k.output('float64');
    const [n] = k.params(1);
    const [i] = k.space(n!);
    // (1 + 1e-8) - 1: 0 when the sum is rounded to float32 first.
    k.store(y, i!, E.cast(E.sub(E.add(a.at(i!), b.at(i!)), a.at(i!)), 'float64'));
    const kernel = k.build();
    const wasm = new Float64Array(1);
    runKernelWasm(kernel, [Float32Array.of(1), Float32Array.of(1e-8), wasm], [1]);
    expect(wasm[0]).toBe(0);
    const js = new Float64Array(1);
    compileKernelJS(kernel)([Float32Array.of(1), Float32Array.of(1e-8), js], [1]);
    expect(js[0]).toBe(Math.fround(1e-8));
  });
});
