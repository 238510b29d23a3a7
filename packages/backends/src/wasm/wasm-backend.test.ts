import { describe, expect, it } from 'vitest';
import { HypatiaError, NDArray, compile, evaluate, grad, iscalar, ivector, matrix, shared, vector, type Variable } from '@hypatia/core';
import { add, arange, mul, sliceAxis, softmaxCrossentropyWithLabels, sub, sum, take } from '@hypatia/ops';
import { FullyConnectedLayer, Network, SoftmaxLayer, sgdRule } from '@hypatia/nn';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { TimesRowIndex } from '../native/testing/times-row-index.js';
import { linearMemory } from './linear-memory.js';
import { WasmBackend } from './wasm-backend.js';
import { WasmValue } from './wasm-values.js';

const wasm = (replay = true, spans = true) => ({ backend: new WasmBackend(), backendOptions: { replay, spans } });
const stats = (f: { executable: unknown }) => (f.executable as { stats: { replayed: number; recorded: number; checksFailed: number } }).stats;

/** network3's SGD step with mini-batches selected by givens; `replay: false` keeps the JS path for every call, `spans: false` every loop out of SIMD lanes. */
async function training(replay: boolean, spans = true) {
  const mb = 3;
  const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 20, seed: 1 }), new SoftmaxLayer({ nIn: 20, nOut: 10, seed: 2 })], mb);
  const cost = (net as unknown as { last: { cost(y: Variable): Variable } }).last.cost(net.y);
  const n = 5 * mb;
  const x = NDArray.zeros('float32', [n, 784]);
  for (let i = 0; i < x.size; i++) x.data[i] = (Math.sin(i * 0.37) + 1) / 2;
  const y = NDArray.from(Array.from({ length: n }, (_, i) => (i * 7) % 10), 'int32');
  const tx = shared(x);
  const ty = shared(y, 'labels');
  const i = iscalar('i');
  const f = await compile({
    inputs: [i], outputs: cost, updates: sgdRule(0.5).updates(net.params, grad(cost, net.params)),
    givens: [[net.x, sliceAxis(tx, 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(ty, 0, mul(i, mb), mul(add(i, 1), mb))]],
    ...wasm(replay, spans),
  });
  return { f, params: net.params, ty };
}

describe('wasm backend: replayed plans', () => {
  it('a training step replayed in one call into the module is bit-identical to the JS path, its updates in place and the weights left in linear memory', async () => {
    const js = await training(false);
    const rp = await training(true);
    const values: unknown[][] = [];
    for (let step = 0; step < 6; step++) {
      const [a, b] = [await js.f(step % 5), await rp.f(step % 5)];
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      js.params.forEach((p, k) => expect(Array.from(rp.params[k]!.get().data)).toEqual(Array.from(p.get().data)));
      values.push(rp.params.map((p) => p.deviceValue));
    }
    expect(rp.f.executable.describe()).toMatch(/replay: \d+ instructions in one call into the module, arena \d+ bytes, updates in place: w, b, w, b/);
    expect(js.f.executable.describe()).toMatch(/replay: none/);
    expect(stats(rp.f)).toEqual({ replayed: 5, recorded: 1, checksFailed: 0 });
    // From the second call on, each update lands in the block the variable already holds.
    for (const v of values.flat()) expect(v).toBeInstanceOf(WasmValue);
    for (let s = 2; s < 6; s++) values[s]!.forEach((v, k) => expect(v).toBe(values[1]![k]));
  });

  it('innermost loops in SIMD lanes train bit for bit as one point at a time (spans: false); spans takes true or false', async () => {
    const lanes = await training(true);
    const scalar = await training(true, false);
    for (let step = 0; step < 5; step++) {
      expect(Array.from((await lanes.f(step)).data)).toEqual(Array.from((await scalar.f(step)).data));
      scalar.params.forEach((p, k) => expect(Array.from(lanes.params[k]!.get().data)).toEqual(Array.from(p.get().data)));
    }
    const x = vector('x');
    await expect(compile({ inputs: [x], outputs: add(x, 1), backend: new WasmBackend(), backendOptions: { spans: 'no' } })).rejects.toThrow(/backendOptions.spans must be true or false, got "no"/);
  });

  it('the reference backend trains the same network to the same costs', async () => {
    const rp = await training(true);
    const mb = 3;
    const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 20, seed: 1 }), new SoftmaxLayer({ nIn: 20, nOut: 10, seed: 2 })], mb);
    const cost = (net as unknown as { last: { cost(y: Variable): Variable } }).last.cost(net.y);
    const x = NDArray.zeros('float32', [15, 784]);
    for (let i = 0; i < x.size; i++) x.data[i] = (Math.sin(i * 0.37) + 1) / 2;
    const y = NDArray.from(Array.from({ length: 15 }, (_, i) => (i * 7) % 10), 'int32');
    const i = iscalar('i');
    const ref = await compile({
      inputs: [i], outputs: cost, updates: sgdRule(0.5).updates(net.params, grad(cost, net.params)), backend: new ReferenceBackend(),
      givens: [[net.x, sliceAxis(shared(x), 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(shared(y), 0, mul(i, mb), mul(add(i, 1), mb))]],
    });
    for (let step = 0; step < 5; step++) {
      const [a, b] = [(await ref(step)).item(), (await rp.f(step)).item()];
      expect(Math.abs(a - b)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a)));
    }
  });

  it('a label out of range on a replayed call raises the precise error and changes no shared variable', async () => {
    const { f, params, ty } = await training(true);
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
    const f = await compile({ inputs: [x, i, n], outputs: [sum(mul(part, part)), mul(x, 2)], ...wasm() });
    const want = (a: number, m: number) => [1, 2, 3, 4, 5, 6, 7].slice(a, a + m).reduce((s, v) => s + v * v, 0);
    for (const [a, m, len] of [[0, 2, 3], [1, 2, 3], [5, 2, 3], [6, 2, 3], [-3, 2, 4], [2, 3, 4], [0, 2, 3]] as const) {
      const [s, y] = await f(new Float64Array(len).fill(1), a, m);
      expect(s.data[0]).toBe(want(a < 0 ? a + 7 : a, m));
      expect(Array.from(y.data)).toEqual(new Array(len).fill(2));
    }
    expect(stats(f)).toEqual({ replayed: 3, recorded: 4, checksFailed: 3 });
  });

  it('gather indices are checked in WebAssembly and arange bounds by a replayed check: a bad index raises the JS error, a new length records a new plan', async () => {
    const m = matrix('m');
    const idx = ivector('idx');
    const k = iscalar('k');
    const f = await compile({ inputs: [m, idx, k], outputs: [take(m, idx, 0), sum(arange(0, k))], ...wasm() });
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

  it('a host step splits the replay into calls around it; results match and an update after it lands in place', async () => {
    const x = matrix('x');
    const w = shared(NDArray.from([[1, 2], [3, 4]], 'float32'), 'w');
    const h = new TimesRowIndex().call(add(x, 1));
    const out = sum(mul(h, w), 1);
    const f = await compile({ inputs: [x], outputs: [out, h], updates: [[w, sub(w, mul(out, 0.5))]], ...wasm() });
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
    expect(f.executable.describe()).toMatch(/in 2 calls into the module around host steps, arena \d+ bytes, updates in place: w/);
  });

  it('updates that read each other are not both in place, an output of the old value keeps it out of place, and the results stay right', async () => {
    const a = shared(NDArray.from([1, 2], 'float32'), 'a');
    const c = shared(NDArray.from([10, 20], 'float32'), 'c');
    const d = shared(NDArray.from([5, 5], 'float32'), 'd');
    const f = await compile({ inputs: [], outputs: [d], updates: [[a, mul(c, 2)], [c, add(a, 1)], [d, sub(d, 1)]], ...wasm() });
    let [av, cv, dv] = [[1, 2], [10, 20], [5, 5]];
    for (let s = 0; s < 4; s++) {
      const [out] = await f();
      expect(Array.from(out!.data)).toEqual(dv);
      [av, cv, dv] = [cv.map((v) => v * 2), av.map((v) => v + 1), dv.map((v) => v - 1)];
      expect([Array.from(a.get().data), Array.from(c.get().data), Array.from(d.get().data)]).toEqual([av, cv, dv]);
    }
    expect(f.executable.describe()).toMatch(/updates in place: a$/m);
  });

  it('the borrow rule: a borrowed value is a copy the next call does not change, and a value set from outside is never written', async () => {
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const f = await compile({ inputs: [], outputs: [], updates: [[w, mul(w, 2)]], ...wasm() });
    await f();
    await f();
    const borrowed = w.get({ borrow: true });
    await f();
    expect(Array.from(borrowed.data)).toEqual([4, 8, 12]);
    expect(Array.from(w.get().data)).toEqual([8, 16, 24]);
    const mine = NDArray.from([1, 1, 1], 'float32');
    w.set(mine);
    await f();
    expect(Array.from(w.get().data)).toEqual([2, 2, 2]);
    expect(Array.from(mine.data)).toEqual([1, 1, 1]);
  });

  it('two updates to one value get a block each, and an update that is another variable keeps its own copy', async () => {
    const a = shared(NDArray.from([1, 2], 'float32'), 'a');
    const b = shared(NDArray.from([0, 0], 'float32'), 'b');
    const c = shared(NDArray.from([0, 0], 'float32'), 'c');
    const twice = mul(a, 2);
    const f = await compile({ inputs: [], outputs: [], updates: [[b, twice], [c, twice], [a, b]], ...wasm() });
    // Updates read the values from before the call: b and c take 2a, a takes the old b.
    for (let s = 0; s < 3; s++) await f();
    const blocks = [a, b, c].map((v) => (v.deviceValue as WasmValue).at);
    expect(new Set(blocks).size).toBe(3);
    expect([a, b, c].map((v) => Array.from(v.get().data))).toEqual([[0, 0], [4, 8], [4, 8]]);
  });

  it('a failed call frees what it allocated, and setting a variable frees its block', async () => {
    const z = matrix('z');
    const y = ivector('y');
    const w = shared(NDArray.from([[1, 2, 3], [4, 5, 6]], 'float32'), 'w');
    const f = await compile({ inputs: [z, y], outputs: sum(softmaxCrossentropyWithLabels(mul(z, w), y)), updates: [[w, add(w, 1)]], ...wasm() });
    const zs = NDArray.from([[1, 2, 3], [0, 0, 0]], 'float32');
    await f(zs, [2, 0]);
    await f(zs, [2, 0]);
    const live = linearMemory().allocator.stats.liveBlocks;
    await expect(f(zs, [2, 3])).rejects.toThrow(HypatiaError);
    await expect(f(zs, [2, 3])).rejects.toThrow(HypatiaError);
    expect(linearMemory().allocator.stats.liveBlocks).toBe(live);
    w.set(NDArray.from([[0, 0, 0], [0, 0, 0]], 'float32'));
    expect(linearMemory().allocator.stats.liveBlocks).toBe(live - 1);
  });

  it('a call that reads no outputs still applies its updates', async () => {
    const w = shared(NDArray.from([1, 2], 'float32'), 'w');
    const f = await compile({ inputs: [], outputs: [sum(w)], updates: [[w, add(w, 1)]], ...wasm() });
    for (let s = 0; s < 3; s++) expect(await f.run([], { readOutputs: false })).toEqual([]);
    expect(Array.from(w.get().data)).toEqual([4, 5]);
  });
});
