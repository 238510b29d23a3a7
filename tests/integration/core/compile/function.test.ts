import { describe, expect, it } from 'vitest';
import { compile, matrix, vector, ivector, shared, NDArray, CallError, HypatiaError, tensor } from '@hypatia/core';
import { add, mul, dot, sum, sub, take } from '@hypatia/ops';
import '@hypatia/backends';

async function step() {
  const x = matrix('x');
  const w = shared(NDArray.from([[1, 2], [3, 4]], 'float32'), 'w');
  const b = shared(NDArray.from([0.5, -0.5], 'float32'), 'b');
  const out = add(dot(x, w), b);
  const f = await compile({ inputs: [x], outputs: sum(out), updates: [[w, mul(w, 2)], [b, sub(b, 1)]], backend: 'reference' });
  return { f, w, b };
}

describe('compile: calls', () => {
  it('updates read the values from before the call and land together', async () => {
    const x = vector('x');
    const a = shared(NDArray.from([1], 'float32'), 'a');
    const c = shared(NDArray.from([10], 'float32'), 'c');
    // swap: both updates must see the old values
    const f = await compile({ inputs: [x], outputs: add(a, x), updates: [[a, c], [c, a]], backend: 'reference' });
    const out = await f([0]);
    expect(out.data[0]).toBe(1);
    expect([a.get().data[0], c.get().data[0]]).toEqual([10, 1]);
  });

  it('wrong argument count, shape, dtype or fractional ints are clear errors that change no shared variable', async () => {
    const { f, w, b } = await step();
    const before = [Array.from(w.get().data), Array.from(b.get().data)];
    await expect(f()).rejects.toThrow(CallError);
    await expect(f()).rejects.toThrow(/expected 1 argument \(x: float32\[\?, \?\]\), got 0/);
    await expect(f([1, 2])).rejects.toThrow(/argument 0 \(x\) has shape \[2\] but the input is float32\[\?, \?\]/);
    await expect(f(NDArray.from([[1, 2]], 'float64'))).rejects.toThrow(/dtype float64 .*astype\('float32'\)/);
    const i = ivector('i');
    const g = await compile({ inputs: [i], outputs: sum(i), backend: 'reference' });
    await expect(g([1.5])).rejects.toThrow(/fractional values/);
    expect([Array.from(w.get().data), Array.from(b.get().data)]).toEqual(before);
  });

  it('a call that fails while running (a run-time shape mismatch) changes no shared variable', async () => {
    const { f, w, b } = await step();
    const before = [Array.from(w.get().data), Array.from(b.get().data)];
    await expect(f([[1, 2, 3]])).rejects.toThrow(HypatiaError);
    expect([Array.from(w.get().data), Array.from(b.get().data)]).toEqual(before);
    await f([[1, 1]]);
    expect(Array.from(w.get().data)).toEqual([2, 4, 6, 8]);
  });

  it('get() returns a copy that later calls leave alone; get({ borrow: true }) the value itself', async () => {
    const { f, w } = await step();
    const copy = w.get();
    copy.data[0] = 100;
    expect(w.get().data[0]).toBe(1);
    const borrowed = w.get({ borrow: true });
    expect(w.get({ borrow: true })).toBe(borrowed);
    await f([[1, 1]]);
    expect(Array.from(copy.data)).toEqual([100, 2, 3, 4]);
    expect(Array.from(w.get().data)).toEqual([2, 4, 6, 8]);
    expect(Array.from((await w.getAsync()).data)).toEqual([2, 4, 6, 8]);
  });

  it('on the native backend, whose updates land in place, a call that fails in a replayed step changes no shared variable', async () => {
    const idx = ivector('idx');
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const f = await compile({ inputs: [idx], outputs: take(w, idx, 0), updates: [[w, mul(w, 2)]], backend: 'cpu' });
    await f([0]);
    await f([1]);
    const held = w.get({ borrow: true });
    await expect(f([5])).rejects.toThrow(/index 5 is out of bounds for axis 0 with size 3/);
    expect(Array.from(w.get().data)).toEqual([4, 8, 12]);
    expect(Array.from((await f([2])).data)).toEqual([12]);
    expect(Array.from(w.get().data)).toEqual([8, 16, 24]);
    expect(w.get({ borrow: true }) === held).toBe(f.executable.describe().includes('updates in place: w'));
  });

  it('rejects bad specs at compile time with the names involved', async () => {
    const x = vector('x');
    const w = shared(NDArray.from([1, 2], 'float32'), 'w');
    await expect(compile({ inputs: [x], outputs: x, updates: [[w, mul(x, 1)], [w, x]] })).rejects.toThrow(/w is updated twice/);
    await expect(compile({ inputs: [x], outputs: x, updates: [[w, tensor('float64', [null], 'd')]] })).rejects.toThrow(/update of w has type float64\[\?\]/);
    await expect(compile({ inputs: [], outputs: mul(x, 2) })).rejects.toThrow(/depend on x .*neither an input nor given/);
  });

  it('fn.backend names the backend that runs the function', async () => {
    const { f } = await step();
    expect(f.backend).toBe('reference');
    const x = vector('x');
    const handedOn = await compile({
      inputs: [x], outputs: mul(x, 2),
      backend: { name: 'forwarding', lower: (spec) => ({ run: async () => ({ outputs: [], updates: [] }), describe: () => '', kernelCount: 0, backend: `other(${spec.name})` }) },
    });
    expect(handedOn.backend).toBe('other(function)');
  });
});
