import { describe, expect, it } from 'vitest';
import { NDArray, Constant, evaluate, tensor, verifyGrad, tensor4, type Variable } from '@hypatia/core';
import { conv2d, type ConvPadding } from '@hypatia/ops';
import { randomArray } from '../testing/cases/elementwise.js';
import { resolveConvOptions } from './conv-geometry.js';
import { conv2dGradInput } from './conv2d-grad-input.js';
import { conv2dGradFilters } from './conv2d-grad-filters.js';

/** The definition, written as directly as possible: the oracle for the im2col kernels. */
function naiveConv(x: NDArray, w: NDArray, stride: [number, number], pads: [number, number, number, number]): NDArray {
  const [N, C, H, W] = x.shape as number[];
  const [O, , KH, KW] = w.shape as number[];
  const [pt, pl, pb, pr] = pads;
  const OH = Math.floor((H! + pt + pb - KH!) / stride[0]) + 1;
  const OW = Math.floor((W! + pl + pr - KW!) / stride[1]) + 1;
  const out = NDArray.zeros('float64', [N!, O!, OH, OW]);
  for (let n = 0; n < N!; n++) for (let o = 0; o < O!; o++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    let s = 0;
    for (let c = 0; c < C!; c++) for (let a = 0; a < KH!; a++) for (let b = 0; b < KW!; b++) {
      const r = i * stride[0] + a - pt, q = j * stride[1] + b - pl;
      if (r >= 0 && r < H! && q >= 0 && q < W!) s += w.data[((o * C! + c) * KH! + a) * KW! + b]! * x.data[((n * C! + c) * H! + r) * W! + q]!;
    }
    out.data[((n * O! + o) * OH + i) * OW + j] = s;
  }
  return out;
}

const run = (xv: NDArray, wv: NDArray, opts: Parameters<typeof conv2d>[2]) => {
  const x = tensor4('x', 'float64'); const w = tensor4('w', 'float64');
  return evaluate([conv2d(x, w, opts)], new Map([[x, xv], [w, wv]]))[0]!;
};

describe('conv2d', () => {
  const xv = randomArray([2, 3, 7, 6], 'float64', 21);
  const wv = randomArray([4, 3, 3, 2], 'float64', 22);
  const cases: [string, { stride?: [number, number]; padding?: ConvPadding }, [number, number, number, number]][] = [
    ['valid', {}, [0, 0, 0, 0]],
    ['full', { padding: 'full' }, [2, 1, 2, 1]],
    ['explicit padding, stride 2', { padding: [1, 2], stride: [2, 2] }, [1, 2, 1, 2]],
    ['same (even kernel pads after)', { padding: 'same' }, [1, 0, 1, 1]],
    ['same with stride', { padding: 'same', stride: [2, 3] }, [1, 0, 1, 0]],
  ];
  for (const [name, opts, pads] of cases) {
    it(`matches the definition: ${name}`, () => {
      const got = run(xv, wv, opts);
      const want = naiveConv(xv, wv, opts.stride ?? [1, 1], pads);
      expect(got.shape).toEqual(want.shape);
      for (let i = 0; i < want.size; i++) expect(got.data[i]).toBeCloseTo(want.data[i]!, 10);
    });
  }
  it("'same' keeps the spatial size at stride 1 and ceil(n / s) with stride", () => {
    expect(run(xv, wv, { padding: 'same' }).shape).toEqual([2, 4, 7, 6]);
    expect(run(xv, wv, { padding: 'same', stride: [2, 4] }).shape).toEqual([2, 4, 4, 2]);
  });
  it('infers static output shapes', () => {
    const x = tensor('float32', [10, 1, 28, 28]); const w = tensor('float32', [20, 1, 5, 5]);
    expect(conv2d(x, w).shape).toEqual([10, 20, 24, 24]);
    expect(conv2d(tensor('float32', [null, 1, 28, null]), w, { stride: [2, 2] }).shape).toEqual([null, 20, 12, null]);
  });
  for (const [name, opts] of cases) {
    it(`has correct gradients: ${name}`, () => {
      verifyGrad((x, w) => conv2d(x, w, opts), [randomArray([2, 2, 5, 6], 'float64', 23), randomArray([3, 2, 3, 2], 'float64', 24)]);
    });
  }
  it('its gradient ops have correct gradients (second order)', () => {
    const p = resolveConvOptions({ stride: [2, 1], padding: [1, 0] }, 'conv2d');
    const xShape = new Constant(NDArray.zeros('float64', [2, 2, 5, 4]));
    const wShape = new Constant(NDArray.zeros('float64', [3, 2, 3, 2]));
    const dy = randomArray([2, 3, 3, 3], 'float64', 25);
    verifyGrad((g, w) => conv2dGradInput(g, w, xShape, p), [dy, randomArray([3, 2, 3, 2], 'float64', 26)]);
    verifyGrad((x, g) => conv2dGradFilters(x, g, wShape, p), [randomArray([2, 2, 5, 4], 'float64', 27), dy]);
  });
  it('rejects bad operands with clear errors', () => {
    const x4 = tensor4('x'); const w = tensor4('w');
    expect(() => conv2d(tensor('float32', [1, 3, 5, 5]), tensor('float32', [2, 2, 3, 3]))).toThrow(/conv2d: the input has 3 channels but the filters expect 2/);
    expect(() => conv2d(tensor('float32', [1, 1, 2, 5]), tensor('float32', [2, 1, 3, 3]))).toThrow(/conv2d: the height 2 .* smaller than the filter's 3/);
    expect(() => conv2d(tensor('float32', [5, 5]), w)).toThrow(/conv2d: the input must be 4-d/);
    expect(() => conv2d(tensor4('i', 'int32'), w)).toThrow(/conv2d: the input must be float/);
    expect(() => conv2d(x4, tensor4('d', 'float64'))).toThrow(/conv2d: the filters are float64/);
    expect(() => conv2d(x4, w, { stride: [0, 1] })).toThrow(/conv2d: stride/);
    expect(() => conv2d(x4, w, { padding: 'half' as never })).toThrow(/conv2d: padding/);
    const xv2 = NDArray.zeros('float32', [1, 2, 4, 4]);
    const wv2 = NDArray.zeros('float32', [1, 3, 3, 3]);
    expect(() => evaluate([conv2d(x4, w)], new Map<Variable, NDArray>([[x4, xv2], [w, wv2]]))).toThrow(/conv2d: at run time the input has 2 channels/);
  });
});
