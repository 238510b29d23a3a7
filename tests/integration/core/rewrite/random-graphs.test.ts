import { describe, expect, it } from 'vitest';
import { checkRewrite, compile, constant, evaluate, NDArray, onesLike, stopGradient, tensor, type Variable } from '@hypatia/core';
import { add, castTo, dimshuffle, div, exp, mul, neg, reshape, secondOp, shapeOf, sigmoid, sub, sum, tanh, transpose } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import '@hypatia/backends';

// Every generic rewrite, compared on random graphs: the full pipeline against the pipeline without
// that rewrite, and the full pipeline against the unoptimised graph's reference semantics.
const RULES = [
  'merge', 'merge_late', 'constant_folding', 'mul_one', 'add_zero', 'sub_zero', 'div_one', 'neg_neg',
  'stop_gradient', 'cast_same_dtype', 'second_same_shape', 'dimshuffle_dimshuffle', 'reshape_reshape',
  'reshape_noop', 'fill_like_constant', 'elemwise_fusion', 'reduce_keepdims_dimshuffle', 'elemwise_leading_axes',
  'second_shape_source', 'shape_at_shape_source', 'producer_fusion',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const castSame = castTo(tensor('float32', [3, 4]), 'float64').owner!.op;
const ones34 = () => constant(NDArray.from([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]], 'float64'));

/** A random graph over inputs of shapes [3,4], [?,?], [1,4], [3,1] and [], all broadcasting to [3, 4]. */
function randomGraph(seed: number) {
  const r = rng(seed);
  const inputs = [
    tensor('float64', [3, 4], 'x'), tensor('float64', [null, null], 'm'), tensor('float64', [1, 4], 'r'),
    tensor('float64', [3, 1], 'c'), tensor('float64', [], 's'),
  ];
  const pool: Variable[] = [...inputs];
  const pick = () => pool[Math.floor(r() * pool.length)]!;
  const full = () => pool.filter((v) => v.ndim === 2 && !v.shape.includes(1));
  const steps: (() => Variable)[] = [
    () => tanh(pick()), () => sigmoid(pick()), () => neg(pick()), () => neg(neg(pick())), () => stopGradient(pick()),
    () => exp(tanh(pick())), () => castSame.call(pick()),
    () => add(pick(), pick()), () => sub(pick(), pick()), () => mul(pick(), pick()),
    () => div(pick(), add(2, sigmoid(pick()))), () => secondOp.call(pick(), pick()), () => { const v = pick(); return secondOp.call(v, tanh(v)); },
    () => mul(pick(), 1), () => mul(1, pick()), () => add(pick(), onesLike(pick())), () => mul(pick(), onesLike(inputs[2]!)),
    () => { const v = pick(); return add(tanh(mul(v, 1)), tanh(v)); }, () => add(pick(), 0), () => add(0, pick()), () => sub(pick(), 0),
    () => div(pick(), 1), () => mul(pick(), ones34()),
    () => { const v = pick(); return v.owner && v.owner.outputs.length === 1 ? v.owner.op.call(...v.owner.inputs) : tanh(v); },
    () => add(pick(), exp(constant([0.1, 0.2, 0.3, 0.4], 'float64'))),
    () => { const f = full(); return f.length ? transpose(transpose(f[Math.floor(r() * f.length)]!)) : pick(); },
    () => { const f = full(); return f.length ? dimshuffle(dimshuffle(f[Math.floor(r() * f.length)]!, 1, 0, 'x'), 1, 0) : pick(); },
    () => { const f = full(); return f.length ? reshape(reshape(f[Math.floor(r() * f.length)]!, [-1]), [3, 4]) : pick(); },
    () => { const v = pick(); return v.shape.every((d) => d !== null) ? reshape(v, v.shape as number[]) : tanh(v); },
    // Bias-gradient shapes: column sums kept then dropped, as vectors that later broadcast back.
    () => { const v = pick(); return v.ndim === 2 ? add(dimshuffle(sum(tanh(v), 0, true), 1), dimshuffle(sum(v, 0, true), 1)) : tanh(v); },
    // Lengths read through elementwise ops, and sums of elementwise results.
    () => { const f = pool.filter((v) => v.ndim === 2); const v = f[Math.floor(r() * f.length)]!; return mul(pick(), castTo(shapeOf(neg(v), Math.floor(r() * 2)), 'float64')); },
    () => { const v = pick(); return v.ndim === 2 ? sum(exp(mul(v, 0.5)), Math.floor(r() * 2), true) : tanh(v); },
  ];
  for (let i = 0; i < 14; i++) {
    let v = steps[Math.floor(r() * steps.length)]!();
    if (v.ndim === 1) v = dimshuffle(v, 'x', 0);
    if (v.ndim <= 2 && broadcastsTo34(v)) pool.push(v);
  }
  const outputs = pool.slice(-3).filter((v) => v.owner);
  const value = (shape: number[]) => NDArray.from(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), 'float64').reshape(shape);
  const args = [value([3, 4]), value([3, 4]), value([1, 4]), value([3, 1]), value([])];
  return { inputs, outputs: outputs.length ? outputs : [tanh(inputs[0]!)], args };
}

function broadcastsTo34(v: Variable): boolean {
  const want = [3, 4];
  return v.shape.every((d, k) => d === null || d === 1 || d === want[want.length - v.ndim + k]);
}

describe('generic rewrites on random graphs', () => {
  it('agree with and without each rewrite, and with the unoptimised graph', async () => {
    const fired = new Set<string>();
    for (let seed = 1; seed <= 16; seed++) {
      const g = randomGraph(seed);
      const oracle = evaluate(g.outputs, new Map(g.inputs.map((v, i) => [v, g.args[i]!])));
      const f = await compile({ inputs: g.inputs, outputs: g.outputs, backend: 'reference' });
      const got = await f(...g.args);
      oracle.forEach((want, k) => expect(compareArrays(want, got[k]!, 1e-9, 1e-12), `seed ${seed} output ${k}`).toBeNull());
      for (const rule of RULES) {
        const r = await checkRewrite({ inputs: g.inputs, outputs: g.outputs, args: [g.args], rewrite: rule, rtol: 1e-9, atol: 1e-12 });
        if (r.fired) fired.add(rule);
      }
    }
    expect([...RULES].filter((name) => !fired.has(name))).toEqual([]);
  });
});
