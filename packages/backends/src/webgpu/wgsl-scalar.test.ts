import { afterAll, describe, expect, it } from 'vitest';
import { Elemwise, NDArray, call, compile, sconst, tensor, type ScalarFn } from '@hypatia/core';
import { getDevice } from './index.js';
import '@hypatia/backends';

// Without an adapter these tests cannot run: outside CI they are skipped with one line saying why;
// under CI=true a missing adapter fails the run.
const available = await getDevice().then(() => true, (e: Error) => {
  if (process.env.CI === 'true') throw e;
  console.warn(`WebGPU tests skipped: ${e.message}`);
  return false;
});

describe.runIf(available)('WGSL scalar formulas agree with the JS reference', () => {
  afterAll(async () => { (await getDevice()).destroy(); await new Promise((r) => setTimeout(r, 50)); });

  it('the int32 bit primitives on words with high bits set and shift amounts past 31', async () => {
    // Every pair of edge words: int32 extremes, the Philox multipliers and key bumps, 16-bit boundaries.
    const words = [0, 1, -1, 0x7fffffff, -0x80000000, 0xd2511f53 | 0, 0xcd9e8d57 | 0, 0x9e3779b9 | 0, 0xbb67ae85 | 0, 65535, 65536, 0x12345678, 31, 32, 33, -5];
    const as = words.flatMap((w) => words.map(() => w));
    const bs = words.flatMap(() => words);
    const a = tensor('int32', [null], 'a');
    const b = tensor('int32', [null], 'b');
    const fns: ScalarFn[] = ['bitand', 'bitor', 'bitxor', 'shl', 'shru', 'mulhi_u32'];
    const outputs = fns.map((f) => new Elemwise({ name: `t_${f}`, arity: 2, formula: (xs) => call(f, xs) }).call(a, b));
    const args = [NDArray.from(as, 'int32'), NDArray.from(bs, 'int32')];
    const run = async (backend: string) => (await compile({ inputs: [a, b], outputs, backend }))(...args);
    const [want, got] = [await run('reference'), await run('webgpu')];
    fns.forEach((f, k) => expect(Array.from(got[k]!.data), f).toEqual(Array.from(want[k]!.data)));
  });

  it('int32 constants at both ends of the range, INT_MIN included', async () => {
    const a = tensor('int32', [null], 'a');
    const outputs = [-2147483648, 2147483647, -766435501].map((v, k) =>
      new Elemwise({ name: `t_xor_const${k}`, arity: 1, formula: ([x]) => call('bitxor', [x!, sconst(v, 'int32')]), props: { v } }).call(a));
    const args = [NDArray.from([0, 1, -1, 0x7fffffff, -0x80000000, 12345], 'int32')];
    const run = async (backend: string) => (await compile({ inputs: [a], outputs, backend }))(...args);
    const [want, got] = [await run('reference'), await run('webgpu')];
    outputs.forEach((_, k) => expect(Array.from(got[k]!.data), `constant ${k}`).toEqual(Array.from(want[k]!.data)));
  });
});

