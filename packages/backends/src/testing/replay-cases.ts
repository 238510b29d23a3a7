import { expect, it } from 'vitest';
import { NDArray, compile, evaluate, iscalar, ivector, matrix, shared, vector, type SharedVariable } from '@hypatia/core';
import { add, arange, mul, sliceAxis, sub, sum, take } from '@hypatia/ops';
import { TimesRowIndex } from '../native/testing/times-row-index.js';
import { network3Training } from './network3-training.js';
import { stats } from './scan-loop-cases.js';

/**
 * The cases every backend that records a call's plan and replays it passes: a training step
 * replayed bit for bit as the JS path runs it with its updates in place, a replay split around a
 * host step, run-time checks that send a call back to JS (a bad label, new slice bounds, a bad
 * gather index, a new arange length), updates that read each other, and a value set from outside.
 * A backend's test file calls this inside its describe and adds the cases only it has.
 */
export interface ReplaySpec {
  /** compile()'s backend and options (replay on unless asked). */
  options: (replay?: boolean) => Record<string, unknown>;
  /** How the backend names one replayed call ("one native call"). */
  oneCall: string;
  /** What describe() says of the training step's replay (one call, its arena and updates in place: w, b, w, b). */
  trainingDescribed: RegExp;
  /** What describe() says of a replay split around a host step (2 calls). */
  hostSplitDescribed: RegExp;
  /** Where a shared variable's value lives after a call, the thing an update in place writes again, and its class. */
  held: (v: SharedVariable) => unknown;
  heldClass: abstract new (...args: never[]) => unknown;
}

export function replayCases(spec: ReplaySpec): void {
  it(`a training step replayed in ${spec.oneCall} is bit-identical to the JS path, its updates written in place`, async () => {
    const js = await network3Training(spec.options(false));
    const rp = await network3Training(spec.options());
    const held: unknown[][] = [];
    for (let step = 0; step < 6; step++) {
      const [a, b] = [await js.f(step % 5), await rp.f(step % 5)];
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      js.params.forEach((p, k) => expect(Array.from(rp.params[k]!.get().data)).toEqual(Array.from(p.get().data)));
      held.push(rp.params.map(spec.held));
    }
    expect(rp.f.executable.describe()).toMatch(spec.trainingDescribed);
    expect(js.f.executable.describe()).toMatch(/replay: none/);
    expect(stats(rp.f)).toEqual({ replayed: 5, recorded: 1, checksFailed: 0 });
    expect(stats(js.f)).toEqual({ replayed: 0, recorded: 0, checksFailed: 0 });
    // From the second call on, each update lands in the value the variable already holds.
    for (const v of held.flat()) expect(v).toBeInstanceOf(spec.heldClass);
    for (let s = 2; s < 6; s++) held[s]!.forEach((v, k) => expect(v).toBe(held[1]![k]));
  });

  it('a host step splits the replay into calls around it; results match and an update after it lands in place', async () => {
    const x = matrix('x');
    const w = shared(NDArray.from([[1, 2], [3, 4]], 'float32'), 'w');
    const h = new TimesRowIndex().call(add(x, 1));
    const out = sum(mul(h, w), 1);
    const f = await compile({ inputs: [x], outputs: [out, h], updates: [[w, sub(w, mul(out, 0.5))]], ...spec.options() });
    const xs = [[[1, 2], [3, 4]], [[0, 1], [2, 3]], [[5, 5], [5, 5]]].map((v) => NDArray.from(v, 'float32'));
    for (let s = 0; s < 6; s++) {
      const arg = xs[s % 3]!;
      const want = evaluate([out, h, sub(w, mul(out, 0.5))], new Map([[x, arg]]));
      const [o, hv] = await f(arg);
      expect([Array.from(o!.data), Array.from(hv!.data)]).toEqual([Array.from(want[0]!.data), Array.from(want[1]!.data)]);
      expect(Array.from(w.get().data)).toEqual(Array.from(want[2]!.data));
    }
    expect(stats(f)).toEqual({ replayed: 5, recorded: 1, checksFailed: 0 });
    expect(f.executable.hostOps).toEqual(['times_row_index']);
    expect(f.executable.describe()).toMatch(/host op times_row_index/);
    expect(f.executable.describe()).toMatch(spec.hostSplitDescribed);
  });

  it('a label out of range on a replayed call raises the precise error and changes no shared variable', async () => {
    const { f, params, ty } = await network3Training(spec.options());
    await f(0);
    await f(1);
    const before = params.map((p) => Array.from(p.get().data));
    const labels = ty.get();
    labels.data[7] = 12;
    ty.set(labels);
    await expect(f(2)).rejects.toThrow(/label 12 at row 1 is out of range for 10 classes/);
    expect(stats(f)).toEqual({ replayed: 1, recorded: 1, checksFailed: 1 });
    params.forEach((p, k) => expect(Array.from(p.get().data)).toEqual(before[k]));
    await f(1);
    expect(stats(f).replayed).toBe(2);
  });

  it('new slice bounds of the same shape replay; bounds that change the shape record a new plan, and the old one still replays', async () => {
    const x = vector('x');
    const i = iscalar('i');
    const n = iscalar('n');
    const w = shared(NDArray.from([1, 2, 3, 4, 5, 6, 7], 'float64'), 'w');
    const part = sliceAxis(w, 0, i, add(i, n));
    const f = await compile({ inputs: [x, i, n], outputs: [sum(mul(part, part)), mul(x, 2)], ...spec.options() });
    const want = (a: number, m: number) => [1, 2, 3, 4, 5, 6, 7].slice(a, a + m).reduce((s, v) => s + v * v, 0);
    for (const [a, m, len] of [[0, 2, 3], [1, 2, 3], [5, 2, 3], [6, 2, 3], [-3, 2, 4], [2, 3, 4], [0, 2, 3]] as const) {
      const [s, y] = await f(new Float64Array(len).fill(1), a, m);
      expect(s.data[0]).toBe(want(a < 0 ? a + 7 : a, m));
      expect(Array.from(y.data)).toEqual(new Array(len).fill(2));
    }
    // Recorded: the first call, [6, 2] (a slice of 1 fails the first plan's check), a new x length,
    // and [2, 3] (3 elements fail that plan's check); replayed: [1, 2], [5, 2], and the last call by
    // the first plan, after the [6, 2] plan's check fails.
    expect(stats(f)).toEqual({ replayed: 3, recorded: 4, checksFailed: 3 });
  });

  it('gather indices and arange lengths are checked on replay: a bad index raises the JS error, a new length records a new plan', async () => {
    const m = matrix('m');
    const idx = ivector('idx');
    const k = iscalar('k');
    const f = await compile({ inputs: [m, idx, k], outputs: [take(m, idx, 0), sum(arange(0, k))], ...spec.options() });
    const a = NDArray.from([[1, 2], [3, 4], [5, 6]], 'float32');
    const [g1, r1] = await f(a, [2, 0], 4);
    const [g2, r2] = await f(a, [-1, 1], 4);
    expect([Array.from(g1.data), r1.data[0]]).toEqual([[5, 6, 1, 2], 6]);
    expect([Array.from(g2.data), r2.data[0]]).toEqual([[5, 6, 3, 4], 6]);
    await expect(f(a, [3, 0], 4)).rejects.toThrow(/index 3 is out of bounds for axis 0 with size 3/);
    const [, r3] = await f(a, [0, 0], 5);
    expect(r3.data[0]).toBe(10);
    expect(stats(f)).toEqual({ replayed: 1, recorded: 2, checksFailed: 2 });
  });

  it('updates that read each other are not both in place, an output of the old value keeps it out of place, and the results stay right', async () => {
    const a = shared(NDArray.from([1, 2], 'float32'), 'a');
    const c = shared(NDArray.from([10, 20], 'float32'), 'c');
    const d = shared(NDArray.from([5, 5], 'float32'), 'd');
    const f = await compile({ inputs: [], outputs: [d], updates: [[a, mul(c, 2)], [c, add(a, 1)], [d, sub(d, 1)]], ...spec.options() });
    let [av, cv, dv] = [[1, 2], [10, 20], [5, 5]];
    for (let s = 0; s < 4; s++) {
      const [out] = await f();
      expect(Array.from(out!.data)).toEqual(dv);
      [av, cv, dv] = [cv.map((v) => v * 2), av.map((v) => v + 1), dv.map((v) => v - 1)];
      expect([Array.from(a.get().data), Array.from(c.get().data), Array.from(d.get().data)]).toEqual([av, cv, dv]);
    }
    expect(f.executable.describe()).toMatch(/updates in place: a$/m);
  });

  it('a value set from outside is never overwritten: the first call after set() writes a new array', async () => {
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const f = await compile({ inputs: [], outputs: [], updates: [[w, mul(w, 2)]], ...spec.options() });
    await f();
    await f();
    const mine = NDArray.from([1, 1, 1], 'float32');
    w.set(mine);
    const held = w.get({ borrow: true });
    await f();
    expect(Array.from(held.data)).toEqual([1, 1, 1]);
    expect(Array.from(w.get().data)).toEqual([2, 2, 2]);
    expect(Array.from(mine.data)).toEqual([1, 1, 1]);
  });
}
