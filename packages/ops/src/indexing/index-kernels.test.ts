import { describe, expect, it } from 'vitest';
import { NDArray, runProgramJS, tensor, type DType } from '@hypatia/core';
import { kernelsDiffer } from '../testing/kernel-check.js';
import { AdvancedSubtensor } from './advanced-subtensor.js';
import { AdvancedIncSubtensor } from './advanced-inc-subtensor.js';
import { LastWriteMask } from './last-write-mask.js';

/** A small deterministic generator, so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function values(dtype: DType, shape: readonly number[], rand: () => number): NDArray {
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'bool' ? (rand() < 0.5 ? 1 : 0) : dtype === 'int32' ? Math.floor(rand() * 200) - 100 : rand() * 4 - 2;
  return a;
}

/**
 * A random indexing of a rank-1..4 tensor: the axis, 1..(rank - axis) index arrays of ranks 0..2
 * that broadcast together (some axes 1), values in [-len, len) with repeats, and empty axes now and then.
 */
function randomCase(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const rank = 1 + int(4);
  const xShape = Array.from({ length: rank }, () => (rand() < 0.06 ? 0 : 1 + int(4)));
  const axis = int(rank);
  const nIdx = 1 + int(rank - axis);
  const bRank = int(3);
  const picked = Array.from({ length: bRank }, () => (rand() < 0.05 ? 0 : 1 + int(4)));
  const idx = Array.from({ length: nIdx }, (_, j) => {
    const r = int(bRank + 1);
    const shape = picked.slice(bRank - r).map((d) => (rand() < 0.3 ? 1 : d));
    const len = xShape[axis + j]!;
    const a = NDArray.zeros('int32', shape);
    // An empty axis can be indexed by no value; such a case only checks that nothing is picked.
    for (let i = 0; i < a.size; i++) a.data[i] = len === 0 ? 0 : int(2 * len) - len;
    return a;
  });
  return { xShape, axis, idx };
}

const typeOf = (a: NDArray, dtype: DType = a.dtype) => tensor(dtype, a.shape.map(() => null));

describe('integer-array indexing kernels agree with perform, bit for bit', () => {
  it('gathers, inc and set scatters (repeated indices in order) and last-write masks over random indexings', () => {
    const rand = lcg(11);
    let ran = 0;
    for (let t = 0; t < 400; t++) {
      const dtype = (['float32', 'float64', 'int32', 'bool'] as DType[])[t % 4]!;
      const { xShape, axis, idx } = randomCase(rand);
      const x = values(dtype, xShape, rand);
      const gather = new AdvancedSubtensor(axis).apply([typeOf(x), ...idx.map((a) => typeOf(a))]);
      let picked: NDArray;
      try { picked = gather.op.perform([x, ...idx], gather)[0]!; } catch { continue; } // an empty axis indexed
      ran++;
      const what = `case ${t}: x [${xShape}] axis ${axis}, indices ${idx.map((a) => `[${a.shape}]=${Array.from(a.data)}`).join(' ')}`;
      expect(kernelsDiffer(gather, [x, ...idx]), what).toBeNull();
      const y = values(dtype, picked.shape, rand);
      for (const mode of (dtype === 'bool' ? ['set'] : ['inc', 'set']) as ('inc' | 'set')[]) {
        const scatter = new AdvancedIncSubtensor(axis, mode).apply([typeOf(x), typeOf(y), ...idx.map((a) => typeOf(a))]);
        expect(kernelsDiffer(scatter, [x, y, ...idx]), `${mode} ${what}`).toBeNull();
      }
      const mask = new LastWriteMask(axis, 'float32').apply([typeOf(x), ...idx.map((a) => typeOf(a))]);
      expect(kernelsDiffer(mask, [x, ...idx]), `mask ${what}`).toBeNull();
    }
    expect(ran).toBeGreaterThan(300);
  });

  it('a value broadcast over the picked positions and x\'s trailing axes adds up in order', () => {
    const x = NDArray.from([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], 'float32');
    const idx = NDArray.from([[0, -1], [2, 0]], 'int32');
    for (const [yType, y] of [[[1], NDArray.from([0.1], 'float32')], [[3], NDArray.from([0.1, 0.2, 0.3], 'float32')], [[null, 1, 3], NDArray.from([[[0.5, 0.25, 1e-8]], [[3, 4, 5]]], 'float32')]] as const) {
      for (const mode of ['inc', 'set'] as const) {
        const node = new AdvancedIncSubtensor(0, mode).apply([typeOf(x), tensor('float32', [...yType]), typeOf(idx)]);
        expect(kernelsDiffer(node, [x, y, idx]), `${mode} y [${yType}]`).toBeNull();
      }
    }
  });

  it('an index out of range is the op\'s own error, from perform, even where nothing would be copied', () => {
    const x = tensor('float32', [null, null], 'x');
    const i = tensor('int32', [null], 'i');
    const gather = new AdvancedSubtensor(1).apply([x, i]);
    const run = (node: typeof gather, ins: NDArray[]) => () => runProgramJS(node, node.op.kernels!(node)!, ins);
    const bad = NDArray.from([1, -4], 'int32');
    expect(run(gather, [NDArray.zeros('float32', [2, 3]), bad])).toThrow(/advanced_subtensor: index -4 is out of bounds for axis 1 with size 3/);
    expect(run(gather, [NDArray.zeros('float32', [0, 3]), bad])).toThrow(/advanced_subtensor: index -4 is out of bounds for axis 1 with size 3/);
    const scatter = new AdvancedIncSubtensor(1, 'inc').apply([x, tensor('float32', [null, null], 'y'), i]);
    expect(run(scatter, [NDArray.zeros('float32', [0, 3]), NDArray.zeros('float32', [0, 2]), bad])).toThrow(/advanced_inc_subtensor: index -4 is out of bounds/);
    const mask = new LastWriteMask(1, 'float32').apply([x, i]);
    expect(run(mask, [NDArray.zeros('float32', [2, 3]), NDArray.from([0, 3], 'int32')])).toThrow(/last_write_mask: index 3 is out of bounds for axis 1 with size 3/);
  });

  it('index arrays that do not broadcast, and a value that does not fit, are the op\'s errors from the plan, shapes before index values', () => {
    const x = tensor('float32', [null, null], 'x');
    const [i, j] = [tensor('int32', [null], 'i'), tensor('int32', [null], 'j')];
    const gather = new AdvancedSubtensor(0).apply([x, i, j]);
    expect(() => gather.op.kernels!(gather)!.plan([{ shape: [3, 3] }, { shape: [2] }, { shape: [3] }])).toThrow(/advanced_subtensor: the index arrays do not broadcast together/);
    const set = new AdvancedIncSubtensor(0, 'set').apply([x, tensor('float32', [null], 'y'), i]);
    const args = [NDArray.zeros('float32', [3, 3]), NDArray.zeros('float32', [2]), NDArray.from([7], 'int32')];
    const message = /advanced_set_subtensor: at run time: the value has shape \[2\] but the indexed region has shape \[1, 3\]/;
    expect(() => set.op.kernels!(set)!.plan(args.map((a) => ({ shape: a.shape })))).toThrow(message);
    expect(() => set.op.perform(args, set)).toThrow(message);
  });
});
