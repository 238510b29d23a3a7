import { expect, it } from 'vitest';
import { Elemwise, NDArray, call, compile, tensor, type ScalarFn } from '@hypatia/core';
import { ReferenceBackend } from '../reference/reference-backend.js';

/**
 * The int32 bit primitives (Philox's arithmetic) on a backend against the reference, bit for bit:
 * a backend's scalar-table test calls this inside its describe with compile()'s backend options.
 */
export function bitPrimitivesCase(options: () => Record<string, unknown>): void {
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
    const run = async (backendOptions: Record<string, unknown>) => (await compile({ inputs: [a, b], outputs, ...backendOptions }))(...args);
    const [want, got] = [await run({ backend: new ReferenceBackend() }), await run(options())];
    fns.forEach((f, k) => expect(Array.from(got[k]!.data), f).toEqual(Array.from(want[k]!.data)));
  });
}
