import { describe, expect, it } from 'vitest';
import { NDArray, Constant, evaluate, grad, tensor, tensor4, dmatrix, verifyGrad, imatrix, type Variable } from '@hypatia/core';
import { maxPool2d, avgPool2d, sum, type Pool2dOptions, type AvgPool2dOptions } from '@hypatia/ops';
import { randomArray } from '../testing/cases/elementwise.js';
import { avgPool2dGrad } from './avg-pool2d-grad.js';
import { maxPool2dGrad } from './max-pool2d-grad.js';
import { maxPool2dGradGrad } from './max-pool2d-grad-grad.js';

const grid = NDArray.from(Array.from({ length: 5 }, (_, r) => Array.from({ length: 5 }, (_, c) => r * 5 + c)));
const pool = (f: (x: Variable) => Variable, v: NDArray = grid) => {
  const x = dmatrix('x');
  return evaluate([f(x)], new Map([[x, v]]))[0]!.toArray();
};

describe('maxPool2d', () => {
  it('ignoreBorder: true drops partial windows', () => {
    expect(pool((x) => maxPool2d(x, { window: [2, 2] }))).toEqual([[6, 8], [16, 18]]);
  });
  it('ignoreBorder: false keeps them, clipped', () => {
    expect(pool((x) => maxPool2d(x, { window: [2, 2], ignoreBorder: false }))).toEqual([[6, 8, 9], [16, 18, 19], [21, 23, 24]]);
  });
  it('overlapping windows (stride < window) follow Theano\'s output size', () => {
    expect(pool((x) => maxPool2d(x, { window: [3, 3], stride: [2, 2] }))).toEqual([[12, 14], [22, 24]]);
    const six = NDArray.from(Array.from({ length: 6 }, (_, r) => Array.from({ length: 6 }, (_, c) => r * 6 + c)));
    expect(pool((x) => maxPool2d(x, { window: [3, 3], stride: [2, 2], ignoreBorder: false }), six)).toEqual([[14, 16, 17], [26, 28, 29], [32, 34, 35]]);
  });
  it('padding never wins', () => {
    const neg = NDArray.from(Array.from({ length: 5 }, (_, r) => Array.from({ length: 5 }, (_, c) => -(r * 5 + c) - 1)));
    expect(pool((x) => maxPool2d(x, { window: [2, 2], padding: [1, 1] }), neg)).toEqual([[-1, -2, -4], [-6, -7, -9], [-16, -17, -19]]);
  });
  it('pools the last two axes of a 4-d batch, with static shapes', () => {
    const x = tensor('float32', [10, 20, 24, 24]);
    expect(maxPool2d(x, { window: [2, 2] }).shape).toEqual([10, 20, 12, 12]);
    expect(maxPool2d(tensor4('y'), { window: [2, 2] }).shape).toEqual([null, null, null, null]);
  });
  const geometries: [string, Pool2dOptions][] = [
    ['2x2', { window: [2, 2] }],
    ['border kept', { window: [2, 3], ignoreBorder: false }],
    ['overlap', { window: [3, 2], stride: [1, 2] }],
    ['padded', { window: [3, 3], stride: [2, 2], padding: [1, 2] }],
  ];
  for (const [name, opts] of geometries) {
    it(`has a correct gradient: ${name}`, () => {
      verifyGrad((x) => maxPool2d(x, opts), [randomArray([2, 2, 5, 7], 'float64', 31)]);
    });
  }
  it('sends a tied window\'s gradient to one element only', () => {
    const x = dmatrix('x');
    const g = evaluate([grad(sum(maxPool2d(x, { window: [2, 2] })), x)], new Map([[x, NDArray.from([[1, 1], [1, 1]])]]))[0]!;
    expect(Array.from(g.data)).toEqual([1, 0, 0, 0]);
  });
  it('its gradient op has correct gradients (second order)', () => {
    const x = new Constant(randomArray([2, 5, 7], 'float64', 34));
    const params = { window: [2, 3] as const, stride: [1, 2] as const, ignoreBorder: false, padding: [0, 0] as const };
    verifyGrad((g) => maxPool2dGrad(x, g, params), [randomArray([2, 4, 3], 'float64', 35)]);
    verifyGrad((h) => maxPool2dGradGrad(x, h, params), [randomArray([2, 5, 7], 'float64', 36)]);
  });
  it('rejects bad options and operands, naming the op', () => {
    expect(() => maxPool2d(tensor('float32', [5]), { window: [2, 2] })).toThrow(/max_pool2d: .*at least 2 dimensions/);
    expect(() => maxPool2d(imatrix('i'), { window: [2, 2] })).toThrow(/max_pool2d: .*float/);
    expect(() => maxPool2d(dmatrix('x'), { window: [0, 2] })).toThrow(/max_pool2d: window/);
    expect(() => maxPool2d(dmatrix('x'), { window: [2, 2], padding: [1, 1], ignoreBorder: false })).toThrow(/max_pool2d: padding needs ignoreBorder/);
    expect(() => maxPool2d(dmatrix('x'), { window: [2, 2], padding: [2, 0] })).toThrow(/max_pool2d: padding .* smaller than the window/);
  });
  it('its gradient ops refuse operands whose static shapes cannot fit, saying which axis', () => {
    const params = { window: [2, 2] as const, stride: [2, 2] as const, ignoreBorder: true, padding: [0, 0] as const };
    const x = tensor('float64', [4, 6], 'x');
    expect(() => maxPool2dGradGrad(x, tensor('float64', [4, 5], 'h'), params)).toThrow(/max_pool2d_grad_grad: the operand float64\[4, 5\] must have the input's type float64\[4, 6\]: axis 1 has length 5, not 6/);
    expect(() => maxPool2dGrad(x, tensor('float64', [2, 2], 'g'), params)).toThrow(/max_pool2d_grad: the output gradient float64\[2, 2\] does not fit the pooled output float64\[2, 3\]: axis 1 has length 2, not 3/);
  });
});

describe('avgPool2d', () => {
  it('averages real elements by default, or the padded window with includePad', () => {
    expect(pool((x) => avgPool2d(x, { window: [2, 2], ignoreBorder: false }))).toEqual([[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]]);
    const exc = pool((x) => avgPool2d(x, { window: [2, 2], padding: [1, 1] })) as number[][];
    const inc = pool((x) => avgPool2d(x, { window: [2, 2], padding: [1, 1], includePad: true })) as number[][];
    expect(exc[0]).toEqual([0, 1.5, 3.5]);
    expect(inc[0]).toEqual([0, 0.75, 1.75]);
  });
  const geometries: [string, AvgPool2dOptions][] = [
    ['2x2', { window: [2, 2] }],
    ['border kept', { window: [3, 2], ignoreBorder: false }],
    ['padded, counting padding', { window: [3, 3], stride: [2, 1], padding: [1, 1], includePad: true }],
    ['padded', { window: [3, 3], stride: [2, 1], padding: [1, 1] }],
  ];
  for (const [name, opts] of geometries) {
    it(`has a correct gradient: ${name}`, () => {
      verifyGrad((x) => avgPool2d(x, opts), [randomArray([2, 5, 7], 'float64', 32)]);
    });
  }
  it('its gradient op has a correct gradient', () => {
    const params = { window: [2, 2] as const, stride: [2, 2] as const, ignoreBorder: false, padding: [0, 0] as const, includePad: false };
    const like = new Constant(NDArray.zeros('float64', [3, 5]));
    verifyGrad((g) => avgPool2dGrad(g, like, params), [randomArray([2, 3], 'float64', 33)]);
  });
  it('rejects a gradient of the wrong shape at run time', () => {
    const params = { window: [2, 2] as const, stride: [2, 2] as const, ignoreBorder: true, padding: [0, 0] as const, includePad: false };
    const g = dmatrix('g');
    expect(() => evaluate([avgPool2dGrad(g, new Constant(NDArray.zeros('float64', [4, 4])), params)], new Map([[g, NDArray.zeros('float64', [3, 2])]]))).toThrow(/avg_pool2d_grad: at run time/);
  });
});
