import { describe, expect, it } from 'vitest';
import { NDArray, checkRewrite, compile, elementwiseKernel, mulberry32, sconst, shared, tensor, type Op } from '@hypatia/core';
import '@hypatia/backends';
import { add, mul, sigmoid, sub } from '../elementwise/arithmetic.js';
import { dot } from './dot.js';
import { Gemm } from './gemm.js';
import { ProductEpilogue } from './product-epilogue.js';
import '../index.js';

function rand(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float64'): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

const ops = (fn: { graph: { nodes: { op: Op }[] } }) => fn.graph.nodes.map((n) => n.op);
const gemms = (fn: { graph: { nodes: { op: Op }[] } }) => ops(fn).filter((o) => o instanceof Gemm);

describe('gemm', () => {
  const W = () => tensor('float64', [null, null], 'W');
  const x = () => tensor('float64', [null, null], 'x');
  const g = () => tensor('float64', [null, null], 'g');

  it('turns an SGD update W - η·(xᵀ·g), η a scalar input, into one Gemm', async () => {
    const [w, xs, gs, lr] = [W(), x(), g(), tensor('float64', [], 'lr')];
    const out = sub(w, mul(lr, dot(xs.T, gs)));
    const r = await checkRewrite({
      inputs: [w, xs, gs, lr], outputs: [out], rewrite: 'gemm',
      args: [[rand([5, 4], 1), rand([3, 5], 2), rand([3, 4], 3), NDArray.from(0.25, 'float64')], [rand([2, 7], 4), rand([9, 2], 5), rand([9, 7], 6), NDArray.from(-1.5, 'float64')]],
    });
    expect(r.fired).toBe(true);
    expect(gemms(r.withRule)).toHaveLength(1);
    expect(ops(r.withRule).map((o) => o.name).sort()).toEqual(['composite', 'gemm']);
  });

  it('reads W·(1 - η·λ) - η·(xᵀ·g) from an L2 gradient g + λ·W that elementwise fusion left apart', async () => {
    const [w, xs, gs, lr] = [W(), tensor('float64', [null, 5], 'x'), g(), tensor('float64', [], 'lr')];
    const out = sub(w, mul(lr, add(dot(xs.T, gs), mul(0.01, w))));
    const r = await checkRewrite({
      inputs: [w, xs, gs, lr], outputs: [out], rewrite: 'gemm',
      args: [[rand([5, 4], 7), rand([3, 5], 8), rand([3, 4], 9), NDArray.from(0.5, 'float64')]],
    });
    expect(r.fired).toBe(true);
    expect(gemms(r.withRule)).toHaveLength(1);
    expect(ops(r.withRule).some((o) => o.name === 'dot')).toBe(false);
  });

  it('takes constant coefficients as constants and Z on either side', async () => {
    const [w, xs, gs] = [W(), x(), g()];
    const r = await checkRewrite({
      inputs: [w, xs, gs], outputs: [add(mul(dot(xs, gs), -0.5), mul(w, 2))], rewrite: 'gemm',
      args: [[rand([3, 4], 10), rand([3, 6], 11), rand([6, 4], 12)]],
    });
    expect(r.fired).toBe(true);
    expect(ops(r.withRule).map((o) => o.name)).toEqual(['gemm']);
  });

  it('evaluates a constant coefficient after the reference compiled its formula text over an operand', async () => {
    // A formula ignoring its one operand (second(x, -0.75) fused) has the text of the constant -0.75.
    const c = sconst(-0.75, 'float64');
    elementwiseKernel(c, 1);
    const [w, xs, gs] = [W(), x(), g()];
    const r = await checkRewrite({
      inputs: [w, xs, gs], outputs: [add(w, mul(dot(xs, gs), -0.75))], rewrite: 'gemm',
      args: [[rand([3, 4], 14), rand([3, 6], 15), rand([6, 4], 16)]],
    });
    expect(r.fired).toBe(true);
  });

  it('leaves alone what is not β·Z + α·P: a broadcast bias, a nonlinear formula, a product read twice, a scale of Z', async () => {
    const [w, xs, gs, lr] = [W(), x(), g(), tensor('float64', [], 'lr')];
    const b = tensor('float64', [null], 'b');
    const p = dot(xs, gs);
    const cases = [add(b, p), sub(w, sigmoid(p)), mul(w, dot(xs, gs)), add(w, mul(lr, mul(p, p)))];
    for (const out of cases) {
      const r = await checkRewrite({ inputs: [w, xs, gs, lr, b], outputs: [out], rewrite: 'gemm', args: [] });
      expect(r.fired, String(out)).toBe(false);
    }
    const twice = await checkRewrite({ inputs: [w, xs, gs], outputs: [sub(w, p), p], rewrite: 'gemm', args: [] });
    expect(twice.fired).toBe(false);
  });

  it('gives an SGD step the same weights with and without it, updates included', async () => {
    const run = async (rules: { include?: string[]; exclude?: string[] }) => {
      const w = shared(rand([6, 4], 13, 'float32'), 'W');
      const lr = shared(NDArray.from(0.1, 'float32'), { name: 'lr', shape: [] });
      const xs = tensor('float32', [null, 6], 'x'), gs = tensor('float32', [null, 4], 'g');
      const step = await compile({ inputs: [xs, gs], outputs: [], updates: [[w, sub(w, mul(lr, add(dot(xs.T, gs), mul(0.02, w))))]], backend: 'reference', rewrites: rules });
      for (let i = 0; i < 3; i++) await step(rand([5, 6], 20 + i, 'float32'), rand([5, 4], 30 + i, 'float32'));
      return { W: w.get(), fused: ops(step).some((o) => o instanceof Gemm) };
    };
    const on = await run({ include: ['gemm'] });
    const off = await run({ exclude: ['gemm'] });
    expect(on.fused).toBe(true);
    expect(off.fused).toBe(false);
    Array.from(off.W.data).forEach((v, i) => expect(on.W.data[i]).toBeCloseTo(v, 5));
  });

  it('gives updates scaled by the same -η one scalar node between them', async () => {
    const lr = shared(NDArray.from(0.1, 'float32'), { name: 'lr', shape: [] });
    const [w1, w2] = [shared(rand([6, 4], 40, 'float32'), 'W1'), shared(rand([4, 3], 41, 'float32'), 'W2')];
    const xs = tensor('float32', [null, 6], 'x'), h = tensor('float32', [null, 4], 'h'), gs = tensor('float32', [null, 3], 'g');
    const step = await compile({
      inputs: [xs, h, gs], outputs: [], backend: 'reference', rewrites: { include: ['gemm'] },
      updates: [[w1, sub(w1, mul(lr, dot(xs.T, h)))], [w2, sub(w2, mul(lr, dot(h.T, gs)))]],
    });
    expect(gemms(step)).toHaveLength(2);
    expect(ops(step).filter((o) => o.name === 'composite')).toHaveLength(1);
  });

  it('runs before product_epilogue, which still takes what it does not', async () => {
    const [w, xs, gs] = [W(), x(), g()];
    const b = tensor('float64', [null], 'b');
    const fn = await compile({ inputs: [w, xs, gs, b], outputs: [sub(w, dot(xs, gs)), sigmoid(add(dot(gs.T, xs.T), b))], backend: 'reference', rewrites: { include: ['gemm', 'product_epilogue'] } });
    const names = ops(fn).map((o) => (o instanceof Gemm ? 'gemm' : o instanceof ProductEpilogue ? 'product_epilogue' : o.name));
    expect(names.sort()).toEqual(['gemm', 'product_epilogue']);
  });
});
