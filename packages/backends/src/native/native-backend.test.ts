import { describe, expect, it } from 'vitest';
import { NDArray, SharedVariable, compile, evaluate, mulberry32, shared, tensor, type DType, type Variable } from '@hypatia/core';
import { add, dimshuffle, exp, max, min, mul, prod, reshape, sum } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';
import { TimesRowIndex } from './testing/times-row-index.js';

const native = () => new NativeBackend();
const opts = { cacheDir: testCacheDir() };

function randomArray(shape: readonly number[], dtype: DType, seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : dtype === 'int32' ? Math.floor(r() * 6 - 3) : r() * 4 - 2;
  return a;
}

/** Compile on native and compare every output with the reference semantics. */
async function agree(inputs: Variable[], outputs: Variable[], args: NDArray[], rtol = 1e-5): Promise<string[]> {
  const want = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
  const fn = await compile({ inputs, outputs, backend: native(), backendOptions: opts });
  const got = await fn(...args);
  return outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, rtol, 1e-6)).map((d, k) => d && `output ${k}: ${d}`).filter((d): d is string => !!d);
}


describe('native backend', () => {
  it('sums, products, maxima and minima over every axis combination, with length-1 axes, in every dtype, and large sizes in parallel', async () => {
    const inputs: Variable[] = [];
    const outputs: Variable[] = [];
    const args: NDArray[] = [];
    const axesList = [[0], [1], [2], [3], [0, 1], [0, 2], [1, 3], [0, 1, 2, 3], [2, 3], [0, 3]];
    (['float32', 'float64', 'int32', 'bool'] as DType[]).forEach((d, i) => {
      const x = tensor(d, [null, null, null, null], `x${i}`);
      inputs.push(x);
      args.push(randomArray([3, 1, 4, 5], d, i + 1));
      for (const axes of axesList) outputs.push(sum(x, axes), sum(x, axes, true), prod(x, axes), max(x, axes, true), min(x, axes));
    });
    const big = tensor('float32', [null, null], 'big');
    inputs.push(big);
    args.push(randomArray([300, 700], 'float32', 9));
    outputs.push(sum(big), sum(big, 0), sum(big, 1), max(big), min(big, 0), prod(big, 1));
    expect(await agree(inputs, outputs, args, 1e-4)).toEqual([]);
  });

  it('max and min propagate NaN; empty reductions give the fold identity or a clear error', async () => {
    const x = tensor('float64', [null, null], 'x');
    const e = tensor('float32', [null, null], 'e');
    const a = NDArray.from([[1, NaN, 3], [4, 5, 6], [NaN, -1, 2]], 'float64');
    const empty = NDArray.zeros('float32', [2, 0]);
    expect(await agree([x, e], [max(x, 0), min(x, 1), max(x), sum(e, 1), prod(e, 1)], [a, empty])).toEqual([]);
    const fn = await compile({ inputs: [e], outputs: max(e, 1), backend: native(), backendOptions: opts });
    await expect(fn(empty)).rejects.toThrow(/max: cannot reduce over axis 1 of length 0/);
  });

  it('runs sums with their elementwise operand inlined (producer fusion) natively', async () => {
    const x = tensor('float32', [null, null], 'x');
    const b = tensor('float32', [null], 'b');
    const c = tensor('bool', [null, null], 'c');
    const outputs = [sum(exp(add(x, b)), 0), sum(mul(x, x)), sum(c, 1)];
    const args = [randomArray([5, 3], 'float32', 1), randomArray([3], 'float32', 2), randomArray([5, 3], 'bool', 3)];
    const want = evaluate(outputs, new Map([[x, args[0]!], [b, args[1]!], [c, args[2]!]]));
    const fn = await compile({ inputs: [x, b, c], outputs, backend: native(), backendOptions: opts, rewrites: { include: ['producer_fusion'] } });
    expect(fn.executable.describe()).toMatch(/native .* fused\{sum/);
    const got = await fn(...args);
    expect(outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, 1e-5, 1e-6)).filter(Boolean)).toEqual([]);
  });

  it('transposes by strided copies and reshapes without copying', async () => {
    const x = tensor('float64', [null, null, null], 'x');
    const y = tensor('int32', [null, 1, null], 'y');
    const outputs = [
      dimshuffle(x, 2, 0, 1), dimshuffle(x, 1, 'x', 2, 0), dimshuffle(y, 2, 0), dimshuffle(y, 0, 2),
      reshape(x, [-1]), add(reshape(x, [6, -1]), 1), mul(dimshuffle(x, 2, 1, 0), 2),
    ];
    expect(await agree([x, y], outputs, [randomArray([2, 3, 4], 'float64', 1), randomArray([5, 1, 3], 'int32', 2)])).toEqual([]);
  });

  it('broadcasts large operands across rows and columns in parallel', async () => {
    const x = tensor('float32', [null, null], 'x');
    const row = tensor('float32', [1, null], 'row');
    const col = tensor('float32', [null, 1], 'col');
    const outputs = [add(mul(x, row), col), exp(add(dimshuffle(x, 1, 0), 0.5))];
    const args = [randomArray([400, 300], 'float32', 1), randomArray([1, 300], 'float32', 2), randomArray([400, 1], 'float32', 3)];
    expect(await agree([x, row, col], outputs, args)).toEqual([]);
  });

  it('runs ops it has no C for through their JS perform, between native steps', async () => {
    const x = tensor('float32', [null, null], 'x');
    const out = sum(exp(new TimesRowIndex().call(add(x, 1))), 1);
    const fn = await compile({ inputs: [x], outputs: out, backend: native(), backendOptions: opts });
    expect(fn.executable.describe()).toMatch(/host op times_row_index/);
    expect(fn.executable.describe()).toMatch(/native .*sum/);
    const a = randomArray([3, 4], 'float32', 5);
    const want = evaluate([out], new Map([[x, a]]))[0]!;
    expect(compareArrays(want, await fn(a), 1e-5, 1e-6)).toBeNull();
  });

  it('returns fresh arrays: a second call does not overwrite the first call\'s results, and aliases are copied', async () => {
    const x = tensor('float32', [null], 'x');
    const y = exp(x);
    const fn = await compile({ inputs: [x], outputs: [y, mul(y, 2), reshape(x, [-1, 1])], backend: native(), backendOptions: opts });
    const a = NDArray.from([0, 1], 'float32');
    const first = await fn(a);
    const snapshot = first.map((r) => [...r.data]);
    await fn(NDArray.from([5, 6], 'float32'));
    expect(first.map((r) => [...r.data])).toEqual(snapshot);
    expect(first[2]!.data).not.toBe(a.data);
  });

  it('recycles dead buffers within a call without clobbering live ones (views and host ops keep theirs alive)', async () => {
    const x = tensor('float32', [null, null], 'x');
    let h: Variable = x;
    const taps: Variable[] = [];
    for (let i = 0; i < 12; i++) {
      h = i % 3 === 0 ? exp(mul(h, 0.5)) : add(mul(h, 0.9), i);
      if (i === 4) h = reshape(h, [-1, 4]);
      if (i === 7) h = new TimesRowIndex().call(h);
      if (i % 4 === 1) taps.push(sum(h, 1));
    }
    const outputs = [h, ...taps, reshape(h, [-1])];
    const args = [randomArray([6, 4], 'float32', 3)];
    const want = evaluate(outputs, new Map([[x, args[0]!]]));
    const fn = await compile({ inputs: [x], outputs, backend: native(), backendOptions: opts, rewrites: false });
    for (let call = 0; call < 3; call++) {
      const got = await fn(...args);
      expect(outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, 1e-5, 1e-6)).filter(Boolean)).toEqual([]);
    }
  });

  it('a call that fails changes no shared variable', async () => {
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const x = tensor('float32', [null], 'x');
    const fn = await compile({ inputs: [x], outputs: [add(w, x)], updates: [[w as SharedVariable, mul(w, 2)]], backend: native(), backendOptions: opts });
    await expect(fn(NDArray.from([1, 2], 'float32'))).rejects.toThrow(/do not broadcast/);
    expect([...w.get().data]).toEqual([1, 2, 3]);
    await fn(NDArray.from([1, 1, 1], 'float32'));
    expect([...w.get().data]).toEqual([2, 4, 6]);
  });

  it('takes compiler flags and a thread count from backendOptions', async () => {
    const x = tensor('float64', [null], 'x');
    const fn = await compile({ inputs: [x], outputs: exp(x), backend: native(), backendOptions: { ...opts, flags: ['-O1'], threads: 1 } });
    expect((await fn(NDArray.from([0, 1], 'float64'))).toArray()).toEqual([1, Math.E]);
  });
});
