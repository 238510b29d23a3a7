import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, matrix, mulberry32, shared, tensor, vector } from '@hypatia/core';
import { add, conv2d, dimshuffle, dot, maximum, mul, sigmoid, sub, sum } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

const random = (shape: number[], seed: number) => {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float32', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
};

/** ProductEpilogue (the opt-in product_epilogue rewrite) as a native step, replayed, against the reference. */
describe('native product_epilogue steps', () => {
  it('sigmoid(x·W + b) and relu(conv2d(x, w) + b) run fused, replay, and match the reference while W and b learn in place', async () => {
    const x = matrix('x');
    const W = shared(random([6, 4], 1), 'W');
    const b = shared(random([4], 2), 'b');
    const img = tensor('float32', [null, 2, 5, 5], 'img');
    const k = shared(random([3, 2, 3, 3], 3), 'k');
    const kb = vector('kb');
    const hidden = sigmoid(add(dot(x, W), b));
    const feature = maximum(add(conv2d(img, k), dimshuffle(kb, ['x', 0, 'x', 'x'])), 0);
    const outs = [sum(hidden), sum(feature)];
    const updates = [[W, sub(W, mul(W, 0.1))], [b, add(b, 0.5)]] as const;
    const f = await compile({
      inputs: [x, img, kb], outputs: outs, updates, backend: new NativeBackend(),
      backendOptions: { cacheDir: testCacheDir() }, rewrites: { include: ['product_epilogue'] },
    });
    expect(f.executable.describe()).toMatch(/native \S+ product_epilogue product_epilogue/);
    for (let s = 0; s < 3; s++) {
      const args = [random([5, 6], 10 + s), random([2, 2, 5, 5], 20 + s), random([3], 30 + s)];
      const want = evaluate([...outs, ...updates.map(([, e]) => e)], new Map([[x, args[0]!], [img, args[1]!], [kb, args[2]!]]));
      const got = await f(...args);
      const now = [...got, W.get(), b.get()];
      expect(now.map((g, i) => compareArrays(want[i]!, g, 1e-5, 1e-5)).filter(Boolean)).toEqual([]);
    }
    expect(f.executable.describe()).toMatch(/updates in place: W, b/);
  });
});
