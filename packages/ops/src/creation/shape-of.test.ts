import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, grad, tensor, verifyGrad, type Variable } from '@hypatia/core';
import '@hypatia/backends';
import { shapeOf, Shape, ShapeAt } from './shape-of.js';
import { cast, div, mul } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';

const run = (out: Variable, feeds: [Variable, NDArray][] = []) => evaluate([out], new Map(feeds))[0]!;

describe('shapeOf', () => {
  it('reads the run-time shape as an int32 vector', () => {
    const x = tensor('float32', [null, 3, null], 'x');
    const s = shapeOf(x);
    expect(s.type.toString()).toBe('int32[3]');
    expect(s.owner!.op).toBeInstanceOf(Shape);
    const out = run(s, [[x, NDArray.zeros('float32', [2, 3, 5])]]);
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.data)).toEqual([2, 3, 5]);
  });

  it('of one axis is an int32 scalar; negative axes count from the end', () => {
    const x = tensor('float32', [null, null], 'x');
    const xv = NDArray.zeros('float32', [4, 7]);
    const s0 = shapeOf(x, 0);
    expect(s0.type.toString()).toBe('int32[]');
    expect(s0.owner!.op).toBeInstanceOf(ShapeAt);
    expect(run(s0, [[x, xv]]).item()).toBe(4);
    expect(run(shapeOf(x, -1), [[x, xv]]).item()).toBe(7);
    expect(shapeOf(x, -1).owner!.op.key()).toBe(shapeOf(x, 1).owner!.op.key());
  });

  it('is a node even when the static shape is known, and it reads the data', () => {
    const x = tensor('float32', [2], 'x');
    expect(shapeOf(x, 0).owner).not.toBeNull();
    const c = tensor('float32', [], 'c');
    expect(run(shapeOf(c), [[c, NDArray.from(1, 'float32')]]).shape).toEqual([0]);
  });

  it('runs through compile on the reference backend', async () => {
    const x = tensor('float32', [null, null], 'x');
    const f = await compile({ inputs: [x], outputs: [shapeOf(x), shapeOf(x, 1)], backend: 'reference' });
    const [s, s1] = await f(NDArray.zeros('float32', [3, 2]));
    expect(Array.from(s!.data)).toEqual([3, 2]);
    expect(s1!.item()).toBe(2);
  });

  it('is disconnected from the gradient: a mean built from it differentiates', () => {
    const x = tensor('float64', [null], 'x');
    const mean = div(sum(x), cast(shapeOf(x, 0), 'float64'));
    const g = grad(mean, x);
    expect(Array.from(run(g, [[x, NDArray.from([1, 2, 3, 4])]]).data)).toEqual([0.25, 0.25, 0.25, 0.25]);
    verifyGrad((v) => mul(v, cast(shapeOf(v, 0), 'float64')), [NDArray.from([1, -2, 3])]);
  });

  it('refuses an axis out of range', () => {
    const x = tensor('float32', [null, null], 'x');
    expect(() => shapeOf(x, 2)).toThrow(/shapeOf: axis 2 is out of range for 2 dimensions/);
    expect(() => shapeOf(x, -3)).toThrow(/out of range/);
    expect(() => new ShapeAt(5).call(x)).toThrow(/shape_at: axis 5 is out of range .*shape-of\.test\.ts:\d+/s);
  });
});
