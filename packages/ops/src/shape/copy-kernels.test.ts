import { describe, expect, it } from 'vitest';
import { NDArray, tensor, type DType } from '@hypatia/core';
import { kernelsDiffer } from '../testing/kernel-check.js';
import { DimShuffle } from './dimshuffle.js';
import { Flatten, Reshape, ReshapeLike } from './reshape.js';
import { Concatenate, ConcatenatePart } from './concatenate.js';

/** Distinct values of every dtype, -0 and NaN included where the dtype has them. */
function values(dtype: DType, shape: number[]): NDArray {
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'bool' ? i % 3 === 1 ? 1 : 0 : dtype === 'int32' ? i * 7 - 50 : i === 1 ? -0 : i === 2 ? NaN : i * 0.37 - 3;
  return a;
}

const node = (op: DimShuffle | Reshape | ReshapeLike | Flatten | Concatenate | ConcatenatePart, shapes: (number | null)[][], dtype: DType = 'float32') =>
  op.apply(shapes.map((s, i) => tensor(dtype, s, `x${i}`)));

describe('copy kernels agree with perform, bit for bit', () => {
  it('dimshuffle: permutations, inserted and dropped axes, every dtype, empty and rank-0 results', () => {
    const cases: [(number | 'x')[], (number | null)[], number[]][] = [
      [[2, 0, 1], [null, null, null], [2, 3, 4]],
      [[1, 'x', 0], [null, null], [5, 3]],
      [['x', 0, 'x', 'x'], [null], [6]],
      [[0, 2], [null, 1, null], [4, 1, 3]],
      [[1, 0], [null, null], [0, 3]],
      [[], [1], [1]],
      [[3, 1, 2, 0], [null, null, null, null], [2, 3, 2, 5]],
    ];
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
      for (const [pattern, type, shape] of cases) {
        const n = node(new DimShuffle(pattern, type.length), [type], dtype);
        expect(kernelsDiffer(n, [values(dtype, shape)]), `${dtype} [${pattern.join(', ')}]`).toBeNull();
      }
    }
  });

  it('reshape, flatten and reshape_like copy in order; a size that does not fit is the op\'s own error, from the plan', () => {
    expect(kernelsDiffer(node(new Reshape([-1, 2]), [[null, null]], 'int32'), [values('int32', [3, 4])])).toBeNull();
    expect(kernelsDiffer(node(new Flatten(2), [[null, null, null]], 'float64'), [values('float64', [2, 3, 4])])).toBeNull();
    expect(kernelsDiffer(node(new Flatten(1), [[null, null]], 'bool'), [values('bool', [0, 4])])).toBeNull();
    expect(kernelsDiffer(node(new ReshapeLike(), [[null], [null, null]]), [values('float32', [6]), values('float32', [2, 3])])).toBeNull();
    const r = node(new Reshape([-1, 4]), [[null, null]]);
    expect(() => r.op.kernels!(r)!.plan([{ shape: [3, 3] }])).toThrow(/reshape: cannot reshape 9 elements to \[-1, 4\]/);
    const like = node(new ReshapeLike(), [[null], [null, null]]);
    expect(() => like.op.kernels!(like)!.plan([{ shape: [5] }, { shape: [2, 3] }])).toThrow(/reshape_like: cannot reshape 5 elements to \[2, 3\]/);
  });

  it('concatenate places each block along the axis, empty parts included; its part takes a block back out', () => {
    for (const axis of [0, 1, 2]) {
      const shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]].map((s, i) => s.map((d, k) => (k === axis ? [1, 0, 3][i]! : d)));
      const cat = node(new Concatenate(axis), [[null, null, null], [null, null, null], [null, null, null]], 'int32');
      expect(kernelsDiffer(cat, shapes.map((s) => values('int32', s))), `axis ${axis}`).toBeNull();
      const total = shapes[0]!.map((d, k) => (k === axis ? 4 : d));
      for (const part of [0, 1, 2]) {
        const p = node(new ConcatenatePart(axis, part), [[null, null, null], [null, null, null], [null, null, null], [null, null, null]], 'int32');
        expect(kernelsDiffer(p, [values('int32', total), ...shapes.map((s) => values('int32', s))]), `axis ${axis} part ${part}`).toBeNull();
      }
    }
    const cat = node(new Concatenate(1), [[null, null], [null, null]]);
    expect(() => cat.op.kernels!(cat)!.plan([{ shape: [2, 3] }, { shape: [3, 3] }])).toThrow(/concatenate: at run time tensor 1 has shape \[3, 3\] but tensor 0 has \[2, 3\]; only axis 1 may differ/);
    const part = node(new ConcatenatePart(0, 1), [[null], [null], [null]]);
    expect(() => part.op.kernels!(part)!.plan([{ shape: [4] }, { shape: [1] }, { shape: [2] }])).toThrow(/concatenate_part: the gradient has length 4 on axis 0 but the parts add up to 3/);
  });
});
