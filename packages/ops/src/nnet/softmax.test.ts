import { describe, expect, it } from 'vitest';
import { NDArray, evaluate, imatrix, matrix, dmatrix, dvector, scalar, verifyGrad, grad } from '@hypatia/core';
import { softmax, logSoftmax, mul, sum } from '@hypatia/ops';
import { softmaxGrad } from './softmax-grad.js';
import { randomArray } from '../testing/cases/elementwise.js';


describe('softmax', () => {
  it('normalises each row and matches exp(x)/sum(exp(x))', () => {
    const x = dmatrix('x');
    const xv = randomArray([3, 4], 'float64', 5);
    const [y] = evaluate([softmax(x)], new Map([[x, xv]]));
    for (let r = 0; r < 3; r++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += Math.exp(xv.data[r * 4 + j]!);
      for (let j = 0; j < 4; j++) expect(y!.data[r * 4 + j]).toBeCloseTo(Math.exp(xv.data[r * 4 + j]!) / s, 12);
    }
  });
  it('is exact for saturated logits', () => {
    const x = matrix('x');
    const [y] = evaluate([softmax(x)], new Map([[x, NDArray.from([[1000, -1000], [-1000, 1000]], 'float32')]]));
    expect(Array.from(y!.data)).toEqual([1, 0, 0, 1]);
  });
  it('works on vectors and 3-d tensors (last axis)', () => {
    const v = dvector('v');
    const [y] = evaluate([softmax(v)], new Map([[v, NDArray.from([0, Math.log(3)])]]));
    expect(y!.data[0]).toBeCloseTo(0.25, 12);
    verifyGrad((a) => softmax(a), [randomArray([2, 3, 4], 'float64', 2)]);
  });
  it('has a correct gradient', () => {
    verifyGrad((a) => softmax(a), [randomArray([3, 5], 'float64', 1)]);
  });
  it('softmax_grad has correct gradients in both operands', () => {
    verifyGrad((dy, z) => softmaxGrad(dy, softmax(z)), [randomArray([3, 4], 'float64', 3), randomArray([3, 4], 'float64', 4)]);
  });
  it('rejects integer and scalar inputs, naming the op', () => {
    expect(() => softmax(imatrix('i'))).toThrow(/softmax.*float/);
    expect(() => softmax(scalar('s'))).toThrow(/softmax.*axis/);
    expect(() => softmaxGrad(dmatrix('a'), dvector('b') as never)).toThrow(/softmax_grad/);
  });
});

describe('logSoftmax', () => {
  it('equals log(softmax(x)) and stays finite when softmax underflows', () => {
    const x = dmatrix('x');
    const xv = randomArray([3, 4], 'float64', 6);
    const [a, b] = evaluate([logSoftmax(x), softmax(x)], new Map([[x, xv]]));
    for (let i = 0; i < a!.size; i++) expect(a!.data[i]).toBeCloseTo(Math.log(b!.data[i]!), 12);
    const [s] = evaluate([logSoftmax(x)], new Map([[x, NDArray.from([[1000, -1000]])]]));
    expect(Array.from(s!.data)).toEqual([0, -2000]);
  });
  it('has a correct gradient', () => {
    verifyGrad((a) => logSoftmax(a), [randomArray([3, 5], 'float64', 7)]);
  });
  it('has finite gradients for saturated logits', () => {
    const x = dmatrix('x');
    const g = grad(sum(mul(logSoftmax(x), NDArray.from([[0, 1]]) as never)), x);
    const [gv] = evaluate([g], new Map([[x, NDArray.from([[1000, -1000]])]]));
    expect(Array.from(gv!.data)).toEqual([-1, 1]);
  });
  it('rejects integer inputs', () => {
    expect(() => logSoftmax(imatrix('i'))).toThrow(/log_softmax.*float/);
  });
});
