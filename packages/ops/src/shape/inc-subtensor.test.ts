import { describe, expect, it } from 'vitest';
import { NDArray, TypeRuleError, compile, dmatrix, evaluate, fmatrix, imatrix, iscalar, shared, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { mul } from '../elementwise/arithmetic.js';
import { dimshuffle } from './dimshuffle.js';
import { slice, subtensor } from './subtensor.js';
import { incSubtensor, setSubtensor, IncSubtensor } from './inc-subtensor.js';
import '@hypatia/backends';

const M = () => NDArray.from([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
const ev = (v: Variable, pairs: [Variable, NDArray][]) => evaluate([v], new Map(pairs))[0]!.toArray();

describe('incSubtensor / setSubtensor', () => {
  it('adds to or replaces the region, leaving x itself unchanged', () => {
    const x = dmatrix('x');
    const y = dmatrix('y');
    const xv = M();
    const yv = NDArray.from([[10, 20], [30, 40]]);
    expect(ev(incSubtensor(slice(x, [[1], [null, null, 2]]), y), [[x, xv], [y, yv]])).toEqual([[1, 2, 3], [14, 5, 26], [37, 8, 49]]);
    expect(ev(setSubtensor(slice(x, [[null, null, -2], [1]]), y), [[x, xv], [y, yv]])).toEqual([[1, 30, 40], [4, 5, 6], [7, 10, 20]]);
    expect(Array.from(xv.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('broadcasts a value into the region (scalars, rows, missing leading axes)', () => {
    const x = dmatrix('x');
    expect(ev(setSubtensor(subtensor(x, [1]), 0), [[x, M()]])).toEqual([[1, 2, 3], [0, 0, 0], [7, 8, 9]]);
    const r = tensor('float64', [1, 3], 'r');
    expect(ev(incSubtensor(slice(x, [[0, 2]]), r), [[x, M()], [r, NDArray.from([[1, 1, 2]])]])).toEqual([[2, 3, 5], [5, 6, 8], [7, 8, 9]]);
    const v = tensor('float64', [null], 'v');
    expect(ev(incSubtensor(slice(x, [[1, 3], [1, 3]]), v), [[x, M()], [v, NDArray.from([100, 200])]])).toEqual([[1, 2, 3], [4, 105, 206], [7, 108, 209]]);
  });

  it('writes at symbolic bounds in a compiled function, reusing its buffer across calls', async () => {
    const x = dmatrix('x');
    const i = iscalar('i');
    const f = await compile({ inputs: [x, i], outputs: [mul(incSubtensor(subtensor(x, [i]), 1), 2)], backend: 'reference' });
    expect((await f(M(), 0))[0]!.toArray()).toEqual([[4, 6, 8], [8, 10, 12], [14, 16, 18]]);
    expect((await f(M(), -1))[0]!.toArray()).toEqual([[2, 4, 6], [8, 10, 12], [16, 18, 20]]);
    await expect(f(M(), 3)).rejects.toThrow(/inc_subtensor: index 3 is out of bounds for axis 0 with size 3/);
  });

  it('gradients with respect to x and to the (broadcast) value', () => {
    const xv = NDArray.from([[0.5, -1, 2, 0.1], [1, 2, 3, 4], [0.3, 0.2, -0.7, 9]]);
    verifyGrad((x, y) => incSubtensor(slice(x, [[null, null, 2], [3, 0, -2]]), y), [xv, NDArray.from([[1, 2], [3, 4]])]);
    verifyGrad((x, y) => setSubtensor(slice(x, [[1, null, -1], [1, 3]]), y), [xv, NDArray.from([[1, 2], [3, 4]])]);
    verifyGrad((x, y) => incSubtensor(slice(x, [[0, 2]]), dimshuffle(y, 'x', 0)), [xv, NDArray.from([1, 2, 3, 4])]);
    verifyGrad((x, y) => setSubtensor(subtensor(x, [-1]), y), [xv, NDArray.from([5, 6, 7, 8])]);
    const start = shared(NDArray.from(1, 'int32'), 'start');
    verifyGrad((x, y) => mul(setSubtensor(slice(x, [[start, null]]), y), x), [xv, NDArray.from([[1, 2, 3, 4], [5, 6, 7, 8]])]);
  });

  it('rejects values that do not fit the region, naming the op', async () => {
    const x = tensor('float64', [3, 4], 'x');
    expect(() => incSubtensor(slice(x, [[0, 2]]), tensor('float64', [3, 4], 'y'))).toThrow(TypeRuleError);
    expect(() => incSubtensor(slice(x, [[0, 2]]), tensor('float64', [3, 4], 'y'))).toThrow(/inc_subtensor: the value's axis 0 has length 3 but the indexed region's has 2/);
    expect(() => setSubtensor(subtensor(x, [0]), tensor('float64', [2, 4], 'y'))).toThrow(/set_subtensor: the value has 2 dimensions, more than the 1/);
    expect(() => incSubtensor(x, 1)).toThrow(/incSubtensor: the first argument must be the result of subtensor/);
    expect(() => incSubtensor(slice(fmatrix('f'), [[0, 1]]), dmatrix('d'))).toThrow(/incSubtensor: cannot write float64 values into f : float32/);
    const b = tensor('bool', [2], 'b');
    expect(() => incSubtensor(subtensor(b, [0]), true)).toThrow(/inc_subtensor: cannot add into a bool tensor; use the set mode/);
    expect(() => setSubtensor(subtensor(b, [0]), true)).not.toThrow();
    expect(() => new IncSubtensor([], 'inc').call(x, imatrix('k'))).toThrow(/inc_subtensor: the value is int32 but the tensor is float64/);
    // Unknown lengths are checked when the function runs.
    const m = dmatrix('m');
    const y = dmatrix('y');
    const f = await compile({ inputs: [m, y], outputs: [incSubtensor(slice(m, [[0, 2]]), y)], backend: 'reference' });
    await expect(f(M(), NDArray.from([[1, 2, 3]]))).rejects.toThrow(/inc_subtensor: at run time: the value has length 1 on axis 0 where the indexed region has 2, but its type does not declare that axis broadcastable/);
    await expect(f(M(), NDArray.from([[1, 2], [3, 4]]))).rejects.toThrow(/inc_subtensor: at run time: the value has shape \[2, 2\] but the indexed region has shape \[2, 3\]/);
  });

  it('widens integer values to the tensor dtype', () => {
    const x = dmatrix('x');
    const k = imatrix('k');
    const out = incSubtensor(slice(x, [[0, 1]]), k);
    expect(out.dtype).toBe('float64');
    expect(ev(out, [[x, M()], [k, NDArray.from([[1, 1, 1]], 'int32')]])).toEqual([[2, 3, 4], [4, 5, 6], [7, 8, 9]]);
  });
});
