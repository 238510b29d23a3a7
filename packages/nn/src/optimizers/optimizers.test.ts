import { describe, expect, it } from 'vitest';
import { compile, NDArray, shared, type SharedVariable } from '@hypatia/core';
import '@hypatia/backends';
import { add, mul, square, sum } from '@hypatia/ops';
import { grad } from '@hypatia/core';
import { adagrad, adam, momentum, nesterov, rmsprop, sgd, sgdRule, type Optimizer } from './optimizers.js';
import { clipGradientNorm } from './clip.js';

/** Runs `steps` steps on f(p) = sum(p^2 + p), gradient 2p + 1, and returns p after each step. */
async function trajectory(opt: Optimizer, p0: number[], steps: number): Promise<number[][]> {
  const p = shared(NDArray.from(p0, 'float64'), 'p');
  const cost = sum(add(square(p), p));
  const f = await compile({ backend: 'reference', inputs: [], outputs: cost, updates: opt.updates([p], [grad(cost, p)]) });
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) { await f(); out.push([...(p as SharedVariable).get().data]); }
  return out;
}

/** The same rules by hand, in plain numbers. */
function byHand(rule: (p: number, g: number, s: Record<string, number>, t: number) => number, p0: number, steps: number): number[] {
  let p = p0; const s: Record<string, number> = {}; const out: number[] = [];
  for (let t = 1; t <= steps; t++) { p = rule(p, 2 * p + 1, s, t); out.push(p); }
  return out;
}

const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));

describe('optimisers: the first steps match hand-computed values', () => {
  it('sgd', async () => close((await trajectory(sgd(0.1), [1], 3)).map((r) => r[0]!), byHand((p, g) => p - 0.1 * g, 1, 3)));
  it('momentum', async () => close((await trajectory(momentum(0.1, 0.9), [1], 4)).map((r) => r[0]!), byHand((p, g, s) => { s.v = 0.9 * (s.v ?? 0) - 0.1 * g; return p + s.v; }, 1, 4)));
  it('nesterov', async () => close((await trajectory(nesterov(0.1, 0.9), [1], 4)).map((r) => r[0]!), byHand((p, g, s) => {
    const prev = s.v ?? 0; s.v = 0.9 * prev - 0.1 * g; return p - 0.9 * prev + 1.9 * s.v;
  }, 1, 4)));
  it('adagrad', async () => close((await trajectory(adagrad(0.5), [1], 3)).map((r) => r[0]!), byHand((p, g, s) => { s.c = (s.c ?? 0) + g * g; return p - 0.5 * g / (Math.sqrt(s.c) + 1e-8); }, 1, 3)));
  it('rmsprop', async () => close((await trajectory(rmsprop(0.01, 0.9), [1], 3)).map((r) => r[0]!), byHand((p, g, s) => { s.c = 0.9 * (s.c ?? 0) + 0.1 * g * g; return p - 0.01 * g / (Math.sqrt(s.c) + 1e-8); }, 1, 3)));
  it('adam: first step is eta * sign(g) after bias correction', async () => {
    const got = (await trajectory(adam(0.1), [1], 3)).map((r) => r[0]!);
    expect(got[0]).toBeCloseTo(0.9, 5);
    close(got, byHand((p, g, s, t) => {
      s.m = 0.9 * (s.m ?? 0) + 0.1 * g; s.v = 0.999 * (s.v ?? 0) + 0.001 * g * g;
      return p - 0.1 * (s.m / (1 - 0.9 ** t)) / (Math.sqrt(s.v / (1 - 0.999 ** t)) + 1e-8);
    }, 1, 3));
  });
  it('the learning rate is a shared variable a schedule can change', async () => {
    const o = sgd(0.1);
    o.lr.set(NDArray.from(0.5, 'float32'));
    close((await trajectory(o, [1], 1)).map((r) => r[0]!), [1 - 0.5 * 3]);
    expect(() => sgd(0)).toThrow(/positive/);
  });
});

describe('sgdRule, network3\'s name for sgd', () => {
  it('steps a float32 parameter against the gradient with a shared learning rate', async () => {
    const rule = sgdRule(0.25);
    const p = shared(NDArray.from([1, -2], 'float32'), 'p');
    const cost = sum(square(p));
    const step = await compile({ inputs: [], outputs: cost, updates: rule.updates([p], [grad(cost, p)]), backend: 'reference' });
    await step();
    expect(Array.from(p.get().data)).toEqual([0.5, -1]); // p - 0.25 * 2p
    expect(rule.lr.get().item()).toBe(0.25);
    expect(() => sgdRule(0)).toThrow(/sgd: the learning rate must be positive, got 0/);
  });
});

describe('gradient-norm clipping', () => {
  it('scales gradients above the bound down to it and leaves small ones alone', async () => {
    const a = shared(NDArray.from([3, 0], 'float64'), 'a');
    const b = shared(NDArray.from([4], 'float64'), 'b');
    const [ca, cb] = clipGradientNorm([a, b], 1);
    const [sa, sb] = clipGradientNorm([mul(a, 0.1), mul(b, 0.1)], 1);
    const f = await compile({ backend: 'reference', inputs: [], outputs: [ca!, cb!, sa!, sb!] });
    const [x, y, u, v] = await f();
    expect([...x!.data, ...y!.data].map((q) => +q.toFixed(6))).toEqual([0.6, 0, 0.8]);
    expect([...u!.data, ...v!.data].map((q) => +q.toFixed(6))).toEqual([0.3, 0, 0.4]);
  });
});
