import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, grad, matrix, mulberry32, shared, tensor, type Op } from '@hypatia/core';
import { Gemm, add, dot, mul, sub, sum } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { network3Training } from '../testing/network3-training.js';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

const random = (shape: number[], seed: number) => {
  const r = mulberry32(seed);
  const a = NDArray.zeros('float32', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
};

const options = (rewrites?: { exclude: string[] }) => ({ backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() }, ...(rewrites ? { rewrites } : {}) });
const gemmNodes = (fn: { graph: { nodes: { op: Op }[] } }) => fn.graph.nodes.filter((n) => n.op instanceof Gemm).length;

/** The gemm rewrite on native: SGD updates become one accumulating product, written into the weights in place. */
describe('native gemm updates', () => {
  it('network3 steps with and without the rewrite give the same costs and weights; with it each weight update is a Gemm written in place', async () => {
    const fused = await network3Training(options(), { mb: 10, hidden: 100 });
    const plain = await network3Training(options({ exclude: ['gemm'] }), { mb: 10, hidden: 100 });
    expect(gemmNodes(fused.f)).toBe(2);
    expect(gemmNodes(plain.f)).toBe(0);
    for (let step = 0; step < 6; step++) {
      const [a, b] = [await plain.f(step % 5), await fused.f(step % 5)];
      expect(b.data[0]).toBeCloseTo(a.data[0]!, 5);
    }
    plain.params.forEach((p, k) => expect(compareArrays(p.get(), fused.params[k]!.get(), 1e-5, 1e-6)).toBeNull());
    expect(fused.f.executable.describe()).toMatch(/native \S+ gemm gemm\{dot\{transA=true, transB=false\}\}/);
    expect(fused.f.executable.describe()).toMatch(/updates in place: w, b, w, b/);
  });

  it('an L2 update W·(1 - ηλ) - η·(xᵀ·g), with k below and above the k-block, matches the reference while W learns in place', async () => {
    for (const [rows, k] of [[7, 5], [3, 300]] as const) {
      const x = matrix('x'), g = matrix('g');
      const W = shared(random([rows, 6], 1), 'W');
      const lr = shared(NDArray.from(0.05, 'float32'), { name: 'lr', shape: [] });
      const update = sub(W, mul(lr, add(dot(x.T, g), mul(0.01, W))));
      const f = await compile({ inputs: [x, g], outputs: [sum(W)], updates: [[W, update]], ...options() });
      expect(gemmNodes(f)).toBe(1);
      for (let s = 0; s < 4; s++) {
        const args = [random([k, rows], 10 + s), random([k, 6], 20 + s)];
        const [want] = evaluate([update], new Map([[x, args[0]!], [g, args[1]!]]));
        await f(...args);
        expect(compareArrays(want!, W.get(), 1e-4, 1e-5)).toBeNull();
      }
      expect(f.executable.describe()).toMatch(/updates in place: W/);
    }
  });

  it('a failed replayed call leaves the weights, and the array borrowed from them, unchanged', async () => {
    const { f, params, ty } = await network3Training(options());
    await f(0);
    await f(1);
    const w = params[0]!;
    const borrowed = w.get({ borrow: true });
    const before = Array.from(borrowed.data);
    const labels = ty.get();
    labels.data[7] = 12;
    ty.set(labels);
    await expect(f(2)).rejects.toThrow(/label 12 at row 1 is out of range for 10 classes/);
    expect(Array.from(borrowed.data)).toEqual(before);
    expect(w.get({ borrow: true })).toBe(borrowed);
    expect(gemmNodes(f)).toBe(2);
  });

  it('an update whose product reads W itself is not written in place, and stays right', async () => {
    const g = matrix('g');
    const W = shared(random([5, 5], 3), 'W');
    const update = sub(W, mul(0.1, dot(W.T, g)));
    const f = await compile({ inputs: [g], outputs: [], updates: [[W, update]], ...options() });
    expect(gemmNodes(f)).toBe(1);
    for (let s = 0; s < 3; s++) {
      const arg = random([5, 5], 30 + s);
      const [want] = evaluate([update], new Map([[g, arg]]));
      await f(arg);
      expect(compareArrays(want!, W.get(), 1e-5, 1e-6)).toBeNull();
    }
    expect(f.executable.describe()).not.toMatch(/updates in place/);
  });

  it('a Z whose shape differs from the product at run time names the user\'s op and shapes', async () => {
    const x = matrix('x'), g = matrix('g'), z = tensor('float32', [null, null], 'z');
    const f = await compile({ inputs: [x, g, z], outputs: [sub(z, mul(0.1, dot(x, g)))], ...options() });
    expect(gemmNodes(f)).toBe(1);
    await expect(f(random([2, 3], 1), random([3, 4], 2), random([2, 5], 3))).rejects.toThrow(/sub.*\[2, 4\].*\[2, 5\]|sub.*\[2, 5\].*\[2, 4\]/);
  });

  it('the gradient of a Gemm is the gradient of the graph it stands for', async () => {
    const x = matrix('x'), y = matrix('y'), z = matrix('z');
    const [a, b] = [tensor('float32', [], 'a'), tensor('float32', [], 'b')];
    const node = new Gemm(dot(x, y).owner!.op as never, 'float32').call(x, y, z, a, b);
    const cost = sum(mul(node, node));
    const ref = sum(mul(add(mul(b, z), mul(a, dot(x, y))), add(mul(b, z), mul(a, dot(x, y)))));
    const args = [random([3, 4], 5), random([4, 2], 6), random([3, 2], 7), NDArray.from(0.5, 'float32'), NDArray.from(-2, 'float32')];
    const vars = [x, y, z, a, b];
    const got = await (await compile({ inputs: vars, outputs: grad(cost, vars), ...options() }))(...args);
    const want = evaluate(grad(ref, vars), new Map(vars.map((v, i) => [v, args[i]!])));
    got.forEach((g, i) => expect(compareArrays(want[i]!, g, 1e-4, 1e-5)).toBeNull());
  });
});
