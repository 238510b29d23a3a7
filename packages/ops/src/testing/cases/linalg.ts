import { NDArray, grad, tensor, type Dim, type DType, type Variable } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import { randomArray } from './elementwise.js';
import { Dot, dot, outer } from '../../linalg/dot.js';
import { MatMul, matmul } from '../../linalg/matmul.js';
import { tensordot } from '../../linalg/tensordot.js';
import { mul } from '../../elementwise/arithmetic.js';
import { sum } from '../../reduce/sum.js';

const unknown = (shape: readonly number[]): Dim[] => shape.map((d) => (d === 1 ? 1 : null));

/** `range` bounds the operands' values (int32 products past 2^31 wrap). */
function product(name: string, f: (a: Variable, b: Variable) => Variable, shapeA: number[], shapeB: number[], dtype: DType = 'float32', range?: [number, number]): OpCase {
  return {
    name: `${name}/[${shapeA}]x[${shapeB}]/${dtype}${range ? `/[${range}]` : ''}`,
    build: () => {
      const a = tensor(dtype, unknown(shapeA), 'a');
      const b = tensor(dtype, unknown(shapeB), 'b');
      return { inputs: [a, b], outputs: [f(a, b)] };
    },
    args: () => [randomArray(shapeA, dtype, 11, ...(range ?? [])), randomArray(shapeB, dtype, 12, ...(range ?? []))],
    skip: skipFloat64(dtype),
  };
}

const transposed = (tA: boolean, tB: boolean) => (a: Variable, b: Variable) => new Dot(tA, tB).call(a, b);
const batchedTransposed = (tA: boolean, tB: boolean) => (a: Variable, b: Variable) => new MatMul(tA, tB).call(a, b);

/** The linalg family's entries in the shared op table. */
export const linalgCases: OpCase[] = [
  product('dot', dot, [5], [5]),
  product('dot', dot, [3, 5], [5]),
  product('dot', dot, [5], [5, 4]),
  product('dot', dot, [3, 5], [5, 4]),
  product('dot', dot, [3, 5], [5, 4], 'float64'),
  product('dot', dot, [2, 3], [3, 2], 'int32'),
  product('dot', dot, [3, 9], [9, 2], 'int32', [-(2 ** 31), 2 ** 31]),
  product('dot', dot, [3, 0], [0, 4]),
  product('matmul', matmul, [2, 3, 4], [1, 4, 5], 'int32', [-(2 ** 31), 2 ** 31]),
  // long enough contractions to cross the kernel's blocking sizes
  product('dot', dot, [4, 300], [300, 260]),
  product('dot-transA', transposed(true, false), [5, 3], [5, 4]),
  product('dot-transB', transposed(false, true), [3, 5], [4, 5]),
  product('dot-transAB', transposed(true, true), [5, 3], [4, 5]),
  product('dot-transA', transposed(true, false), [5, 3], [5], 'float64'),
  product('dot-transB', transposed(false, true), [5], [4, 5], 'float64'),
  product('dot-transB', transposed(false, true), [3, 5], [4, 5], 'float64'),
  product('outer', outer, [3], [4]),
  product('matmul', matmul, [2, 3, 4], [2, 4, 5]),
  product('matmul', matmul, [2, 3, 4], [4, 5], 'float64'),
  product('matmul', matmul, [2, 1, 3, 4], [3, 4, 2]),
  product('matmul', matmul, [4], [2, 4, 3]),
  product('matmul', matmul, [2, 3, 4], [4]),
  product('matmul-transA', batchedTransposed(true, false), [2, 4, 3], [2, 4, 5]),
  product('matmul-transB', batchedTransposed(false, true), [2, 3, 4], [5, 4], 'float64'),
  {
    name: 'tensordot/unknown-lengths-pairs-and-grads',
    build: () => {
      const a = tensor('float32', [null, null, null], 'a'); const b = tensor('float32', [null, null, null], 'b');
      const t = tensordot(a, b, [[0, 2], [2, 0]]);
      return { inputs: [a, b], outputs: [t, tensordot(a, b, 0), ...grad(sum(mul(t, t)), [a, b])] };
    },
    args: () => [randomArray([3, 2, 4], 'float32', 61), randomArray([4, 5, 3], 'float32', 62)],
  },
  {
    name: 'tensordot/static-int32-and-empty-sum',
    build: () => {
      const a = tensor('int32', [2, 3, 4], 'a'); const b = tensor('int32', [3, 4], 'b');
      const e = tensor('float32', [null, null], 'e'); const f = tensor('float32', [null, null], 'f');
      return { inputs: [a, b, e, f], outputs: [tensordot(a, b), tensordot(b, a, [[0, 1], [1, 2]]), tensordot(e, f, 1)] };
    },
    // An empty summed axis: zeros.
    args: () => [randomArray([2, 3, 4], 'int32', 63, -50, 50), randomArray([3, 4], 'int32', 64, -50, 50), NDArray.zeros('float32', [2, 0]), NDArray.zeros('float32', [0, 3])],
  },
];
