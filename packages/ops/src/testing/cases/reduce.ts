import { tensor, type DType, type Variable } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import { EDGES, randomArray, withEdges } from './elementwise.js';
import { sum } from '../../reduce/sum.js';
import { mean } from '../../reduce/mean.js';
import { max, min } from '../../reduce/extremum.js';
import { prod } from '../../reduce/prod.js';
import { argmax, argmin } from '../../reduce/arg-extremum.js';
import { std, variance } from '../../reduce/variance.js';

type Axis = number | number[] | undefined;

/** A reduction of a [3, 4, 5] tensor whose shape is only known at run time. */
function reduction(name: string, f: (x: Variable, axis: Axis, keepdims: boolean) => Variable, axis: Axis, keepdims = false, dtype: DType = 'float32', lo = -2, hi = 2): OpCase {
  return {
    name: `${name}/axis=${JSON.stringify(axis) ?? 'all'}${keepdims ? '/keepdims' : ''}/${dtype}`,
    build: () => {
      const x = tensor(dtype, [null, null, null], 'x');
      return { inputs: [x], outputs: [f(x, axis, keepdims)] };
    },
    args: () => [randomArray([3, 4, 5], dtype, 21, lo, hi)],
    skip: skipFloat64(dtype),
  };
}

/**
 * A reduction of a tensor of `shape` whose first elements are NaN, infinities, -0 and ties (rows
 * and columns alike reach them), or an empty one.
 */
function edgeReduction(name: string, f: (x: Variable, axis: Axis, keepdims: boolean) => Variable, axis: Axis, shape: number[], dtype: DType = 'float32'): OpCase {
  return {
    name: `${name}/edges/[${shape}]/axis=${JSON.stringify(axis) ?? 'all'}/${dtype}`,
    build: () => {
      const x = tensor(dtype, shape.map(() => null), 'x');
      return { inputs: [x], outputs: [f(x, axis, false)] };
    },
    args: () => {
      const a = randomArray(shape, dtype, 22, -2, 2);
      return [dtype === 'float32' || dtype === 'float64' ? withEdges(a, [...EDGES, 1.5, 1.5, -2.5]) : a];
    },
    skip: skipFloat64(dtype),
  };
}

/** The reduce family's entries in the shared op table. */
export const reduceCases: OpCase[] = [
  reduction('sum', sum, undefined),
  reduction('sum', sum, 1),
  reduction('sum', sum, [0, 2], true),
  reduction('sum', sum, -1, false, 'int32', -5, 5),
  reduction('sum', sum, 0, false, 'bool'),
  reduction('mean', mean, undefined),
  reduction('mean', mean, [0, 2]),
  reduction('mean', mean, -1, true, 'float64'),
  reduction('mean', mean, 1, false, 'int32', -5, 5),
  reduction('max', max, undefined),
  reduction('max', max, 1),
  reduction('max', max, [1, 2], true, 'float64'),
  reduction('max', max, 0, false, 'int32', -5, 5),
  reduction('min', min, -1),
  reduction('min', min, [0, 1], true),
  reduction('prod', prod, 2, false, 'float32', 0.5, 1.5),
  reduction('prod', prod, [0, 1], true, 'float64', 0.5, 1.5),
  reduction('prod', prod, 1, false, 'int32', -3, 3),
  reduction('argmax', argmax, 1),
  reduction('argmax', argmax, undefined),
  reduction('argmax', argmax, [0, 2], true),
  reduction('argmin', argmin, -1, true, 'float64'),
  reduction('argmin', argmin, 0, false, 'int32', -5, 5),
  reduction('variance', variance, undefined),
  reduction('variance', variance, [0, 2], true),
  reduction('variance-ddof1', (x, a, k) => variance(x, a, k, 1), 1, false, 'float64'),
  reduction('std', std, -1),
  reduction('std-ddof1', (x, a, k) => std(x, a, k, 1), [1, 2], true, 'float64'),
  edgeReduction('sum', sum, 0, [4, 6]),
  edgeReduction('sum', sum, 1, [0, 6]),
  edgeReduction('sum', sum, 0, [0, 6], 'int32'),
  edgeReduction('prod', prod, 0, [0, 6]),
  edgeReduction('prod', prod, 1, [4, 6], 'bool'),
  edgeReduction('max', max, 0, [4, 6]),
  edgeReduction('max', max, 1, [4, 6], 'float64'),
  edgeReduction('max', max, 0, [4, 6], 'bool'),
  edgeReduction('min', min, [0, 1], [4, 6]),
  edgeReduction('argmax', argmax, 0, [4, 6]),
  edgeReduction('argmax', argmax, 1, [4, 6]),
  edgeReduction('argmin', argmin, 1, [4, 6], 'float64'),
];
