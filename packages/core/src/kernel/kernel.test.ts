import { describe, expect, it } from 'vitest';
import { E, I, KernelBuilder } from './builder.js';
import { compileKernelJS, kernelToJS } from './js-printer.js';
import { linearize } from './loops.js';
import { typedArrayFor } from '../dtype.js';

/** Row softmax as a kernel: the row's max and sum are reductions that depend on the row only. */
function softmaxKernel() {
  const k = new KernelBuilder('softmax_rows');
  const x = k.input('float32');
  const y = k.output('float32');
  const [rows, cols] = k.params(2);
  const [r, c] = k.space(rows!, cols!);
  const at = (j: typeof c) => I.add(I.mul(r!, cols!), j!);
  const m = k.reduce('max', [cols!], ([j]) => x.at(at(j!)), { acc: 'float64', dtype: 'float64' });
  const z = k.reduce('sum', [cols!], ([j]) => E.exp(E.sub(E.cast(x.at(at(j!)), 'float64'), m)), { acc: 'float64' });
  k.store(y, at(c!), E.div(E.exp(E.sub(E.cast(x.at(at(c!)), 'float64'), m)), z));
  return k.build();
}

describe('the kernel IR', () => {
  it('hoists a reduction to the loop of the variables it reads: a softmax row max and sum are computed once a row', () => {
    const prog = linearize(softmaxKernel(), { spaceLoops: true });
    const rowLoop = prog.body.find((s) => s.k === 'for')!;
    expect(rowLoop.k === 'for' && rowLoop.axis).toBe(0);
    if (rowLoop.k !== 'for') return;
    // Inside the row loop: the max's and the sum's accumulator loops, then the column loop.
    const kinds = rowLoop.body.map((s) => s.k);
    expect(kinds.filter((k) => k === 'for')).toHaveLength(3);
    expect((rowLoop.body[rowLoop.body.length - 1] as { axis?: number }).axis).toBe(1);
    const js = compileKernelJS(softmaxKernel());
    const x = Float32Array.of(1, 2, 3, -1000, 0, 1000);
    const y = new Float32Array(6);
    expect(js([x, y], [2, 3])).toBe(false);
    const row = (a: number[]) => { const m = Math.max(...a); const s = a.reduce((t, v) => t + Math.exp(v - m), 0); return a.map((v) => Math.fround(Math.exp(v - m) / s)); };
    expect(Array.from(y)).toEqual([...row([1, 2, 3]), ...row([-1000, 0, 1000])]);
  });

  it('without space loops every point computes its reductions itself (a GPU thread)', () => {
    const prog = linearize(softmaxKernel(), { spaceLoops: false });
    expect(prog.body.some((s) => s.k === 'for' && s.axis !== undefined)).toBe(false);
    expect(prog.body.filter((s) => s.k === 'for')).toHaveLength(2);
  });

  it('argmax gives the first maximum, and a NaN beats every number', () => {
    const k = new KernelBuilder('argmax_rows');
    const x = k.input('float64');
    const y = k.output('int32');
    const [rows, cols] = k.params(2);
    const [r] = k.space(rows!);
    k.store(y, r!, k.reduce('argmax', [cols!], ([j]) => x.at(I.add(I.mul(r!, cols!), j!))));
    const f = compileKernelJS(k.build());
    const out = new Int32Array(3);
    f([Float64Array.of(1, 3, 3, 0, NaN, 5, NaN, 2, NaN), out], [3, 3]);
    expect(Array.from(out)).toEqual([1, 1, 0]);
  });

  it('a failed check skips the rest of the point and raises the flag; the other points run', () => {
    const k = new KernelBuilder('gather');
    const x = k.input('float32');
    const idx = k.input('int32');
    const y = k.output('float32');
    const [n, m] = k.params(2);
    const [i] = k.space(m!);
    const j = I.wrap(idx.read(i!), n!);
    k.check(I.within(j, 0, n!));
    k.store(y, i!, x.at(j));
    const f = compileKernelJS(k.build());
    const out = new Float32Array(3).fill(7);
    expect(f([Float32Array.of(10, 20), Int32Array.of(-1, 2, 0), out], [2, 3])).toBe(true);
    expect(Array.from(out)).toEqual([20, 7, 10]);
  });

  it('a sequential kernel accumulates into colliding targets in order, and ranges may depend on the point (windows)', () => {
    const k = new KernelBuilder('scatter_add');
    const y = k.input('float32');
    const idx = k.input('int32');
    const out = k.buffer('float32', 'readwrite');
    const [m] = k.params(1);
    const [i] = k.space(m!);
    k.store(out, idx.read(i!), y.at(i!), { accumulate: true });
    const o = Float32Array.of(1, 1, 1);
    compileKernelJS(k.build({ sequential: true }))([Float32Array.of(1, 2, 4, 8), Int32Array.of(2, 0, 2, 2), o], [4]);
    expect(Array.from(o)).toEqual([3, 1, 14]);

    const w = new KernelBuilder('window_sum');
    const xs = w.input('float64');
    const ys = w.output('float64');
    const [len, size] = w.params(2);
    const [p] = w.space(len!);
    // Clipped windows [p - size + 1, p] of a 1-D signal.
    w.store(ys, p!, w.reduce('sum', [[I.max(I.sub(p!, I.sub(size!, 1)), 0), I.add(p!, 1)]], ([q]) => xs.at(q!)));
    const s = new Float64Array(4);
    compileKernelJS(w.build())([Float64Array.of(1, 2, 3, 4), s], [4, 2]);
    expect(Array.from(s)).toEqual([1, 3, 5, 7]);
  });

  it('once: a value of the row computed once a row, equal to the value itself (NaN, -0, integers, booleans)', () => {
    const k = new KernelBuilder('row_log_sum');
    const x = k.input('float64');
    const y = k.output('float64');
    const [rows, cols] = k.params(2);
    const [r, c] = k.space(rows!, cols!);
    const at = (j: typeof c) => I.add(I.mul(r!, cols!), j!);
    const lse = k.once(E.log(k.reduce('sum', [cols!], ([j]) => x.at(at(j!)))));
    k.store(y, at(c!), E.sub(x.at(at(c!)), lse));
    const rowLoop = linearize(k.build(), { spaceLoops: true }).body.find((s) => s.k === 'for')!;
    const colLoop = rowLoop.k === 'for' ? rowLoop.body.find((s) => s.k === 'for' && s.axis === 1) : undefined;
    expect(colLoop && colLoop.k === 'for' && JSON.stringify(colLoop.body)).not.toMatch(/"k":"for"|"f":"log"/);
    const out = new Float64Array(4);
    compileKernelJS(k.build())([Float64Array.of(1, 2, 3, 4), out], [2, 2]);
    expect(Array.from(out)).toEqual([1 - Math.log(3), 2 - Math.log(3), 3 - Math.log(7), 4 - Math.log(7)]);

    for (const [dtype, v] of [['float64', NaN], ['float64', -0], ['float32', -Infinity], ['int32', -7], ['bool', 0], ['bool', 1]] as const) {
      const o = new KernelBuilder('once_identity');
      const a = o.input(dtype);
      const b = o.output(dtype);
      o.space(1);
      o.store(b, 0, o.once(a.at(0)));
      const [src, dst] = [typedArrayFor(dtype, 1), typedArrayFor(dtype, 1)];
      src[0] = v;
      compileKernelJS(o.build())([src, dst], []);
      expect(Object.is(dst[0], src[0]), `${dtype} ${v}`).toBe(true);
    }
  });

  it('prints readable JavaScript', () => {
    expect(kernelToJS(softmaxKernel())).toMatch(/for \(let v0 = 0, e0 = p\[0\]; v0 < e0; v0\+\+\)/);
  });
});

describe('reduction identities', () => {
  it('int32 and bool max/min start from their dtype\'s extremes, so an all-false or all-minimum row folds right', () => {
    for (const [dtype, op, data, want] of [
      ['bool', 'max', Uint8Array.of(0, 0, 0), 0], ['bool', 'min', Uint8Array.of(1, 1, 1), 1],
      ['int32', 'max', Int32Array.of(-2147483648, -2147483648), -2147483648], ['int32', 'min', Int32Array.of(2147483647), 2147483647],
    ] as const) {
      const k = new KernelBuilder('fold');
      const x = k.input(dtype);
      const y = k.output(dtype);
      const [n] = k.params(1);
      k.space(1);
      k.store(y, 0, k.reduce(op, [n!], ([j]) => x.at(j!)));
      const out = dtype === 'bool' ? new Uint8Array(1) : new Int32Array(1);
      compileKernelJS(k.build())([data, out], [data.length]);
      expect(out[0]).toBe(want);
    }
  });
});

describe('hoisting past a check', () => {
  it('a row reduction after a label check is computed once a row; one reading at the checked label stays per point', () => {
    const k = new KernelBuilder('xent_like');
    const z = k.input('float64');
    const y = k.input('int32');
    const out = k.output('float64');
    const [rows, cols] = k.params(2);
    const [r, c] = k.space(rows!, cols!);
    const label = y.read(r!);
    k.check(I.within(label, 0, cols!));
    const m = k.reduce('max', [cols!], ([j]) => z.at(I.add(I.mul(r!, cols!), j!)));
    const picked = k.reduce('sum', [1], () => z.at(I.add(I.mul(r!, cols!), label)));
    k.store(out, I.add(I.mul(r!, cols!), c!), E.sub(m, picked));
    const prog = linearize(k.build(), { spaceLoops: true });
    const rowLoop = prog.body.find((s) => s.k === 'for')!;
    if (rowLoop.k !== 'for') throw new Error('no row loop');
    // The max's accumulator loop runs in the row loop, before the column loop; the picked sum does not.
    const kinds = rowLoop.body.map((s) => (s.k === 'for' ? (s.axis === 1 ? 'columns' : 'reduce') : s.k));
    expect(kinds.filter((x) => x === 'reduce')).toHaveLength(1);
    expect(kinds.indexOf('reduce')).toBeLessThan(kinds.indexOf('columns'));
    const f = compileKernelJS(k.build());
    const res = new Float64Array(4);
    expect(f([Float64Array.of(1, 5, 2, 3), Int32Array.of(0, 1), res], [2, 2])).toBe(false);
    expect(Array.from(res)).toEqual([4, 4, 0, 0]);
  });
});
