import { describe, expect, it } from 'vitest';
import { HypatiaError, NDArray, compile, evaluate, grad, iscalar, ivector, matrix, mulberry32, row, tensor, vector, type Variable } from '@hypatia/core';
import {
  LastWriteMask, add, categoricalCrossentropy, concatenate, dot, eye, incSubtensor, maxPool2dGradGrad, mul, setSubtensor,
  shapeOf, slice, square, subtensor, sum,
} from '@hypatia/ops';
import { compareArrays, resolvePoolOptions } from '@hypatia/ops/backend';
import { NativeBackend } from '../native-backend.js';
import { testCacheDir } from '../testing/test-cache-dir.js';

/**
 * The native steps of region writes, concatenation, last-write masks, the categorical loss, int32
 * products, max_pool2d_grad_grad and shape: one function holds them all, and later calls, which
 * replay the first one's recording, get new values (slice bounds, indices, labels) of the same shapes.
 */
function graph() {
  const x = matrix('x'); const z = matrix('z'); const y = vector('y'); const r = row('r');
  const i = iscalar('i'); const idx = ivector('idx'); const labels = ivector('labels'); const p = matrix('p');
  const ia = matrix('ia', 'int32'); const ib = matrix('ib', 'int32');
  const img = tensor('float32', [null, null, null, null], 'img'); const h = tensor('float32', [null, null, null, null], 'h');
  const both = concatenate([x, z], 0);
  const loss = sum(categoricalCrossentropy(p, labels));
  const outputs: Variable[] = [
    setSubtensor(subtensor(x, [null, i]), y),
    incSubtensor(slice(x, [[i, add(i, 3)], [null, null, -2]]), r),
    both,
    ...grad(sum(square(both)), [x, z]),
    new LastWriteMask(0, 'float32').call(x, idx),
    loss, grad(loss, p),
    dot(ia, ib),
    maxPool2dGradGrad(img, h, resolvePoolOptions({ window: [2, 2], stride: [1, 2] }, 'max_pool2d')),
    shapeOf(img),
  ];
  return { inputs: [x, z, y, r, i, idx, labels, p, ia, ib, img, h], outputs };
}

/** Call `seed`'s arguments: the same shapes every call, new values. */
function args(seed: number): NDArray[] {
  const rnd = mulberry32(seed);
  const f = (shape: number[], lo = -2, hi = 2) => {
    const a = NDArray.zeros('float32', shape);
    for (let k = 0; k < a.size; k++) a.data[k] = Math.round((lo + rnd() * (hi - lo)) * 4) / 4;
    return a;
  };
  const ints = (shape: number[], lo: number, hi: number) => {
    const a = NDArray.zeros('int32', shape);
    for (let k = 0; k < a.size; k++) a.data[k] = lo + Math.floor(rnd() * (hi - lo));
    return a;
  };
  return [
    f([5, 4]), f([2, 4]), f([5]), f([1, 2]), NDArray.from(seed % 3, 'int32'), ints([6], -5, 5), ints([4], -3, 3), f([4, 3], 0.1, 1),
    ints([3, 7], -1000, 1000), ints([7, 2], -1000, 1000), f([2, 3, 5, 6]), f([2, 3, 5, 6]),
  ];
}

describe('native steps that read operand values', () => {
  it('run compiled, and replays with new values agree with the reference', async () => {
    const { inputs, outputs } = graph();
    const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
    expect(fn.executable.hostOps).toEqual([]);
    for (let call = 0; call < 4; call++) {
      const a = args(call + 1);
      const want = evaluate(outputs, new Map(inputs.map((v, k) => [v, a[k]!])));
      const got = await fn(...a);
      want.forEach((w, k) => expect(compareArrays(w, got[k]!, 1e-6, 0), `call ${call}, output ${k}`).toBeNull());
    }
    const stats = (fn.executable as unknown as { stats: { replayed: number; recorded: number } }).stats;
    expect(stats).toMatchObject({ replayed: 3, recorded: 1 });
  });

  it('a replayed call with a bad index or label raises the reference error', async () => {
    const { inputs, outputs } = graph();
    const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
    await fn(...args(1));
    const bad = (k: number, value: NDArray) => { const a = args(2); a[k] = value; return a; };
    for (const a of [bad(4, NDArray.from(4, 'int32')), bad(5, NDArray.from([0, 1, 2, 3, 4, 5], 'int32')), bad(6, NDArray.from([0, 1, 3, 2], 'int32'))]) {
      const want = await Promise.resolve().then(() => evaluate(outputs, new Map(inputs.map((v, k) => [v, a[k]!])))).then(() => null, (e: HypatiaError) => e);
      const got = await fn(...a).then(() => null, (e: HypatiaError) => e);
      expect(want).toBeInstanceOf(HypatiaError);
      expect([got?.op, got?.detail]).toEqual([want!.op, want!.detail]);
    }
    // Each bad call was first tried as a replay, whose checks in C sent it to the JS path.
    expect((fn.executable as unknown as { stats: { checksFailed: number } }).stats.checksFailed).toBe(3);
  });
});

describe('eye with run-time counts', () => {
  function eyes() {
    const n = iscalar('n'); const m = iscalar('m');
    const outputs = [eye(n, m, 1), eye(n, n, -2, 'int32'), eye(m, n, 0, 'float64'), eye(n, m, 3, 'bool'), mul(eye(n, m), 3)];
    return { inputs: [n, m], outputs };
  }
  const counts = (n: number, m: number) => [NDArray.from(n, 'int32'), NDArray.from(m, 'int32')];

  it('replays calls with the counts it recorded, records a plan for new counts, and agrees with the reference', async () => {
    const { inputs, outputs } = eyes();
    const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
    expect(fn.executable.hostOps).toEqual([]);
    for (const [n, m] of [[3, 4], [3, 4], [5, 2], [5, 2], [3, 4], [0, 3]] as const) {
      const a = counts(n, m);
      const want = evaluate(outputs, new Map(inputs.map((v, k) => [v, a[k]!])));
      const got = await fn(...a);
      want.forEach((w, k) => expect(compareArrays(w, got[k]!, 0, 0), `eye(${n}, ${m}), output ${k}`).toBeNull());
    }
    // [5, 2] failed the [3, 4] plan's check in C; [3, 4] again failed the [5, 2] plan's first; [0, 3] failed both.
    expect((fn.executable as unknown as { stats: object }).stats).toMatchObject({ recorded: 3, replayed: 3, checksFailed: 4 });
  });

  it('a bad count on a replayed call raises the reference error', async () => {
    const { inputs, outputs } = eyes();
    const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
    await fn(...counts(3, 4));
    for (const a of [counts(-1, 4), counts(3, -2)]) {
      const want = await Promise.resolve().then(() => evaluate(outputs, new Map(inputs.map((v, k) => [v, a[k]!])))).then(() => null, (e: HypatiaError) => e);
      const got = await fn(...a).then(() => null, (e: HypatiaError) => e);
      expect(want).toBeInstanceOf(HypatiaError);
      expect([got?.op, got?.detail]).toEqual([want!.op, want!.detail]);
    }
    expect((fn.executable as unknown as { stats: { checksFailed: number } }).stats.checksFailed).toBe(2);
  });
});
