import { describe, expect, it } from 'vitest';
import { NDArray, runProgramJS, shared, tensor, type DType } from '@hypatia/core';
import { RandomOp, type Distribution } from './random-op.js';

/** A node of the op on a state starting at counter (lo, hi), with p and a shape source as the op needs. */
function drawBoth(distribution: Distribution, dtype: DType, shape: number[] | null, n = 1, counter: [number, number] = [0, 0], likeShape = [3, 4]) {
  const op = new RandomOp(distribution, dtype, shape, n);
  const state = NDArray.from([0x12345678 | 0, 0x9abcdef0 | 0, counter[0] | 0, counter[1] | 0], 'int32');
  const inputs = [shared(state, 'state')];
  const args = [state];
  if (distribution === 'binomial') { const p = NDArray.from(0.35, 'float32'); inputs.push(shared(p, 'p')); args.push(p); }
  if (shape === null) { const like = NDArray.zeros('float32', likeShape); inputs.push(shared(like, 'like')); args.push(like); }
  const node = op.apply(inputs);
  return { want: op.perform(args, node), got: runProgramJS(node, op.kernels(node), args) };
}

function expectBitIdentical(want: NDArray[], got: NDArray[]): void {
  want.forEach((w, k) => {
    expect(got[k]!.dtype).toBe(w.dtype);
    expect(got[k]!.shape).toEqual(w.shape);
    expect(Array.from(new Uint8Array(got[k]!.data.buffer)), `output ${k}`).toEqual(Array.from(new Uint8Array(w.data.buffer)));
  });
}

describe('RandomOp kernels draw what perform draws, bit for bit', () => {
  for (const [distribution, dtype] of [['uniform', 'float32'], ['uniform', 'float64'], ['normal', 'float32'], ['normal', 'float64']] as [Distribution, DType][]) {
    it(`${distribution} ${dtype}: 2000 draws and the advanced state`, () => {
      const { want, got } = drawBoth(distribution, dtype, [40, 50]);
      expectBitIdentical(want, got);
    });
  }

  it('binomial for n of 1 to 9 (words from several Philox blocks) and 1024, in every dtype', () => {
    for (const n of [1, 2, 3, 4, 5, 6, 8, 9, 1024]) {
      for (const dtype of (n === 1 ? ['bool', 'int32', 'float32', 'float64'] : ['int32', 'float32', 'float64']) as DType[]) {
        const { want, got } = drawBoth('binomial', dtype, n === 1024 ? [7] : [5, 60], n);
        expectBitIdentical(want, got);
      }
    }
  });

  it('the counter carries into its high word inside a draw, and wraps at 2^64', () => {
    expectBitIdentical(...Object.values(drawBoth('uniform', 'float32', [6], 1, [-3, 9])) as [NDArray[], NDArray[]]);
    expectBitIdentical(...Object.values(drawBoth('normal', 'float64', [6], 1, [-2, -1])) as [NDArray[], NDArray[]]);
  });

  it('takes the run-time shape of `like`, and an empty sample leaves the counter where it was', () => {
    expectBitIdentical(...Object.values(drawBoth('binomial', 'float32', null, 1, [5, 0], [2, 3])) as [NDArray[], NDArray[]]);
    const { want, got } = drawBoth('uniform', 'float32', null, 1, [5, 0], [0, 3]);
    expectBitIdentical(want, got);
    expect(Array.from(got[0]!.data)).toEqual([0x12345678, 0x9abcdef0 | 0, 5, 0]);
  });

  it('a state of the wrong size is the op\'s own error, from the plan', () => {
    const op = new RandomOp('uniform', 'float32', [2]);
    const node = op.apply([tensor('int32', [null], 'state')]);
    expect(() => op.kernels(node).plan([{ shape: [3] }])).toThrow(/random_uniform: the state has 3 elements; it must have 4/);
  });
});
