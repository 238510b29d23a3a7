import { describe, expect, it } from 'vitest';
import { NDArray, compile, iscalar, tensor, vector } from '@hypatia/core';
import { add, mul, scan, subtensor } from '@hypatia/ops';
import { TimesRowIndex } from '../native/testing/times-row-index.js';
import { againstReference, rand, scanLoopCases, stats } from '../testing/scan-loop-cases.js';
import { WasmBackend } from './wasm-backend.js';

const wasm = (replay = true) => ({ backend: new WasmBackend(), backendOptions: { replay } });

describe('wasm backend runs scan as one loop in its module', () => {
  scanLoopCases({
    options: wasm,
    oneCall: 'one call into the module',
    language: 'WebAssembly',
    loopDescribed: /: loop scan\{.*run as one loop in the module/,
    replayDescribed: /replay: \d+ instructions in one call into the module/,
  });

  it('nSteps from an argument: 0 steps, a long loop replayed in one call, and a replay whose count changed goes back to JS', async () => {
    const n = iscalar('n');
    const x0 = vector('x0');
    const [xs] = scan({ fn: (x) => add(mul(x, 0.5), 1), outputsInfo: x0, nSteps: n });
    const outputs = [xs, subtensor(xs, [-1])];
    const f = await compile({ inputs: [x0, n], outputs: [xs], ...wasm() });
    const last = await compile({ inputs: [x0, n], outputs: [outputs[1]!], ...wasm() });
    for (const steps of [1000, 1000, 0, 3, 3, 1000]) {
      await againstReference(f, [x0, n], [xs], [rand([4], steps), NDArray.from(steps, 'int32')]);
      if (steps) await againstReference(last, [x0, n], [outputs[1]!], [rand([4], steps), NDArray.from(steps, 'int32')]);
    }
    // A plan per count (the stacked output's shape follows it): a plan replayed with another count fails its check on the count.
    expect(stats(f).replayed).toBe(3);
    expect(stats(f).recorded).toBe(3);
    expect(stats(f).checksFailed).toBeGreaterThan(0);
    expect(stats(last).replayed).toBeGreaterThanOrEqual(2);
  });

  it('a body holding an op without kernels runs the whole loop as a host op, on its reference semantics', async () => {
    const xs = tensor('float32', [null, 2, 3], 'xs');
    const [ys] = scan({ fn: (x, acc) => add(acc, new TimesRowIndex().call(x)), sequences: xs, outputsInfo: tensor('float32', [2, 3], 'acc0') });
    const acc0 = ys.owner!.inputs.find((v) => v.name === 'acc0')!;
    const f = await compile({ inputs: [xs, acc0], outputs: [ys], ...wasm() });
    for (let s = 0; s < 2; s++) await againstReference(f, [xs, acc0], [ys], [rand([3, 2, 3], s), rand([2, 3], s + 5)]);
    expect(f.executable.hostOps).toEqual(['scan']);
  });
});
