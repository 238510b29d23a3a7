import { describe, expect, it } from 'vitest';
import { HypatiaError, NDArray, compile, ivector, matrix, shared, vector } from '@hypatia/core';
import { add, mul, softmaxCrossentropyWithLabels, sum } from '@hypatia/ops';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { network3Training } from '../testing/network3-training.js';
import { replayCases } from '../testing/replay-cases.js';
import { signedZeroConstantsCase } from '../testing/signed-zero-case.js';
import { linearMemory } from './linear-memory.js';
import { WasmBackend } from './wasm-backend.js';
import { WasmValue } from './wasm-values.js';

const wasm = (replay = true, spans = true) => ({ backend: new WasmBackend(), backendOptions: { replay, spans } });
/** network3's SGD step; `replay: false` keeps the JS path for every call, `spans: false` every loop out of SIMD lanes. */
const training = (replay: boolean, spans = true) => network3Training(wasm(replay, spans));

describe('wasm backend: replayed plans', () => {
  replayCases({
    options: wasm,
    oneCall: 'one call into the module',
    trainingDescribed: /replay: \d+ instructions in one call into the module, arena \d+ bytes, updates in place: w, b, w, b/,
    hostSplitDescribed: /in 2 calls into the module around host steps, arena \d+ bytes, updates in place: w/,
    // The weights stay in linear memory: an update in place writes the variable's block again.
    held: (p) => p.deviceValue,
    heldClass: WasmValue,
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
    const ref = await network3Training({ backend: new ReferenceBackend() });
    for (let step = 0; step < 5; step++) {
      const [a, b] = [(await ref.f(step)).item(), (await rp.f(step)).item()];
      expect(Math.abs(a - b)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a)));
    }
  });

  it('the borrow rule: a borrowed value is a copy the next call does not change', async () => {
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const f = await compile({ inputs: [], outputs: [], updates: [[w, mul(w, 2)]], ...wasm() });
    await f();
    await f();
    const borrowed = w.get({ borrow: true });
    await f();
    expect(Array.from(borrowed.data)).toEqual([4, 8, 12]);
    expect(Array.from(w.get().data)).toEqual([8, 16, 24]);
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

describe('wasm backend: fused formulas', () => {
  signedZeroConstantsCase(() => wasm());
});
