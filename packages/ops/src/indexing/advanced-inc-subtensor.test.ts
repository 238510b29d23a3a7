import { describe, expect, it } from 'vitest';
import { NDArray, TypeRuleError, compile, dmatrix, dvector, evaluate, imatrix, ivector, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { mul } from '../elementwise/arithmetic.js';
import { incSubtensor, setSubtensor } from '../shape/inc-subtensor.js';
import { advancedIndex, take } from './advanced-subtensor.js';
import { advancedIncSubtensor, advancedSetSubtensor, AdvancedIncSubtensor } from './advanced-inc-subtensor.js';
import { LastWriteMask } from './last-write-mask.js';
import '@hypatia/backends';

const ev = (v: Variable, pairs: [Variable, NDArray][] = []) => evaluate([v], new Map(pairs))[0]!;
const M = () => NDArray.from([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
const ints = (a: unknown) => NDArray.from(a as number[], 'int32');

describe('advancedIncSubtensor / advancedSetSubtensor', () => {
  it('adds every contribution to a repeated index (scatter-add)', () => {
    const x = dvector('x');
    const y = dvector('y');
    const out = advancedIncSubtensor(x, [[0, 2, 0, 0]], y);
    expect(Array.from(ev(out, [[x, NDArray.from([1, 1, 1])], [y, NDArray.from([1, 10, 100, 1000])]]).data)).toEqual([1102, 1, 11]);
  });

  it('set: the last write wins; scalars broadcast', () => {
    const x = dmatrix('x');
    const y = dvector('y');
    expect(ev(advancedSetSubtensor(x, [[0, 2, 0], [1, 1, 1]], y), [[x, M()], [y, NDArray.from([10, 20, 30])]]).toArray()).toEqual([[1, 30, 3], [4, 5, 6], [7, 20, 9]]);
    expect(ev(advancedSetSubtensor(x, [[2, 0]], 0), [[x, M()]]).toArray()).toEqual([[0, 0, 0], [4, 5, 6], [0, 0, 0]]);
  });

  it('works along a later axis and through incSubtensor/setSubtensor of a take', () => {
    const x = dmatrix('x');
    const out = incSubtensor(take(x, [2, 2], 1), tensor('float64', [1, 2], 'r'));
    const r = out.owner!.inputs[1]!;
    expect(out.owner!.op).toBeInstanceOf(AdvancedIncSubtensor);
    expect(ev(out, [[x, M()], [r, NDArray.from([[1, 10]])]]).toArray()).toEqual([[1, 2, 14], [4, 5, 17], [7, 8, 20]]);
    const p = dmatrix('p');
    const y = ivector('y');
    expect(ev(setSubtensor(advancedIndex(p, [[0, 1, 2], y]), -1), [[p, M()], [y, ints([2, 0, 1])]]).toArray()).toEqual([[1, 2, -1], [-1, 5, 6], [7, -1, 9]]);
  });

  it('gradients, with repeated indices', () => {
    const xv = NDArray.from([[0.5, -1, 2], [1, 2, 3], [0.3, 0.2, -0.7]]);
    verifyGrad((x, y) => advancedIncSubtensor(x, [[0, 2, 0, 0], [1, 1, 1, 2]], y), [xv, NDArray.from([1, 2, 3, 4])]);
    // y broadcasts over the picked rows; its gradient sums them back.
    verifyGrad((x, y) => advancedIncSubtensor(x, [[1, 1]], y, 0), [xv, NDArray.from([1, 2, 3])]);
    verifyGrad((x, y) => advancedIncSubtensor(x, [[[2], [0]]], y, 1), [xv, NDArray.from([[0.1], [0.2]])]);
    // set: x's gradient excludes the overwritten entries; with repeated indices only the last write counts.
    verifyGrad((x, y) => mul(advancedSetSubtensor(x, [[0, 2], [1, 0]], y), x), [xv, NDArray.from([5, 6])]);
    verifyGrad((x, y) => mul(advancedSetSubtensor(x, [[0, 2, 0, 0], [1, 0, 1, 2]], y), x), [xv, NDArray.from([5, 6, 7, 8])]);
    verifyGrad((x, y) => advancedSetSubtensor(x, [[2, 2, 1, 2]], y, 1), [xv, NDArray.from([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])]);
    verifyGrad((x, y) => advancedSetSubtensor(x, [[[1], [1]], [0, 2]], y), [xv, NDArray.from([[1, 2]])]);
    // take's gradient is this scatter-add into zeros; its own gradient (second order of take) is a gather.
    verifyGrad((g) => advancedIncSubtensor(NDArray.from([0, 0, 0]), [[1, 1, 2]], g), [NDArray.from([1, 2, 3])]);
  });

  it('the last-write mask marks the position that writes last', () => {
    const x = dmatrix('x');
    const m = new LastWriteMask(0, 'float64').call(x, ivector('r'), ivector('c'));
    expect(m.shape).toEqual([null]);
    const r = m.owner!.inputs[1]!;
    const c = m.owner!.inputs[2]!;
    expect(Array.from(ev(m, [[x, M()], [r, ints([0, 2, 0, -3])], [c, ints([1, 1, 1, 1])]]).data)).toEqual([0, 1, 0, 1]);
    expect(() => new LastWriteMask(0, 'int32').call(x, ivector('r'))).toThrow(/last_write_mask: the mask dtype must be a float/);
  });

  it('rejects values that do not fit, naming the op', async () => {
    const x = tensor('float64', [3, 3], 'x');
    expect(() => advancedIncSubtensor(x, [[0, 1]], tensor('float64', [3, 3], 'y'))).toThrow(TypeRuleError);
    expect(() => advancedIncSubtensor(x, [[0, 1]], tensor('float64', [3, 3], 'y'))).toThrow(/advanced_inc_subtensor: the value's axis 0 has length 3 but the indexed region's has 2/);
    expect(() => advancedSetSubtensor(x, [[0, 1]], imatrix('k'))).not.toThrow();
    expect(() => advancedIncSubtensor(tensor('bool', [3], 'b'), [[0, 0]], true)).toThrow(/advanced_inc_subtensor: cannot add into a bool tensor/);
    expect(() => new AdvancedIncSubtensor(0, 'set').call(x, imatrix('k'), ivector('i'))).toThrow(/advanced_set_subtensor: the value is int32 but the tensor is float64/);
    expect(() => advancedIncSubtensor(tensor('float32', [3], 'f'), [[0]], dvector('d'))).toThrow(/advancedIncSubtensor: cannot write float64 values into f : float32/);
    const m = dmatrix('m');
    const i = ivector('i');
    const y = dmatrix('y');
    const f = await compile({ inputs: [m, i, y], outputs: [advancedIncSubtensor(m, [i], y)], backend: 'reference' });
    await expect(f(M(), ints([0, 3]), NDArray.from([[1, 1, 1], [1, 1, 1]]))).rejects.toThrow(/advanced_inc_subtensor: index 3 is out of bounds for axis 0 with size 3/);
    await expect(f(M(), ints([0, 1]), NDArray.from([[1, 1]]))).rejects.toThrow(/advanced_inc_subtensor: at run time: the value has length 1 on axis 0/);
  });
});
