import { describe, expect, it } from 'vitest';
import { NDArray, tensor, type DType } from '@hypatia/core';
import { kernelsDiffer } from '../testing/kernel-check.js';
import { ARange } from './arange.js';
import { Eye } from './eye.js';
import { Shape, ShapeAt } from './shape-of.js';

const scalar = (v: number, dtype: DType) => NDArray.from(v, dtype);

describe('creation kernels agree with perform, bit for bit', () => {
  it('arange: start + i * step in float64, stored in the dtype, for bounds of every dtype and both step signs', () => {
    const cases: [number, number, number, DType][] = [
      [0, 7, 1, 'int32'], [5, -4, -2, 'int32'], [0.1, 2.05, 0.3, 'float32'], [-1.5, 1, 0.1, 'float64'], [3, 3, 1, 'float32'],
      [2147483640, 2147483660, 3, 'int32'], [1e8, 1e8 + 40, 7, 'float32'], [2.5, -1, -0.7, 'int32'],
    ];
    for (const [start, stop, step, dtype] of cases) {
      for (const boundType of ['int32', 'float32', 'float64'] as DType[]) {
        const [a, b, c] = [start, stop, step].map((v) => scalar(v, boundType));
        // Bounds that change when converted to the bound type (2.5 as int32) make a different case; a step that becomes 0 none.
        if (c!.item() === 0) continue;
        const node = new ARange(dtype).apply([a, b, c].map((v) => tensor(v.dtype, [])));
        expect(kernelsDiffer(node, [a!, b!, c!]), `arange(${start}, ${stop}, ${step}) as ${dtype} from ${boundType}`).toBeNull();
      }
    }
  });

  it('arange: a zero step is its own error, from the plan', () => {
    const node = new ARange('int32').apply([tensor('int32', []), tensor('int32', []), tensor('int32', [])]);
    const operands = [0, 4, 0].map((v) => ({ shape: [], value: scalar(v, 'int32') }));
    expect(() => node.op.kernels!(node)!.plan(operands)).toThrow(/arange: needs finite bounds and a non-zero step, got start 0, stop 4, step 0/);
  });

  it('eye: diagonals above, on and below the main one, every dtype, empty matrices; a bad count is its own error', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
      for (const [n, m, k] of [[3, 4, 0], [4, 3, 1], [4, 4, -2], [2, 5, 7], [0, 3, 0], [3, 0, -1]]) {
        const node = new Eye(k!, dtype).apply([tensor('int32', []), tensor('int32', [])]);
        expect(kernelsDiffer(node, [scalar(n!, 'int32'), scalar(m!, 'int32')]), `eye(${n}, ${m}, ${k}) ${dtype}`).toBeNull();
      }
    }
    const node = new Eye(0, 'float32').apply([tensor('int32', []), tensor('int32', [])]);
    expect(() => node.op.kernels!(node)!.plan([{ shape: [], value: scalar(-1, 'int32') }, { shape: [], value: scalar(2, 'int32') }])).toThrow(/eye: the row count must be a non-negative integer, got -1/);
  });

  it('shape and shape_at write the operand\'s run-time lengths', () => {
    for (const shape of [[], [0], [2, 3], [4, 0, 5]]) {
      const x = NDArray.zeros('float32', shape);
      const type = tensor('float32', shape.map(() => null));
      expect(kernelsDiffer(new Shape().apply([type]), [x]), `shape of [${shape}]`).toBeNull();
      shape.forEach((_, axis) => expect(kernelsDiffer(new ShapeAt(axis).apply([type]), [x]), `shape_at ${axis} of [${shape}]`).toBeNull());
    }
  });
});
