import { describe, expect, it } from 'vitest';
import { Constant, NDArray, evaluate, iscalar, matrix, mulberry32, tensor, verifyGrad, type Variable } from '@hypatia/core';
import { reshape, Reshape } from './reshape.js';
import { SymbolicReshape } from './symbolic-reshape.js';
import { shapeOf } from '../creation/shape-of.js';
import { mul } from '../elementwise/arithmetic.js';
import { kernelsDiffer } from '../testing/kernel-check.js';

const run = (outs: Variable[], feeds: [Variable, NDArray][]) => evaluate(outs, new Map(feeds));
const arr = (shape: number[]) => {
  const a = NDArray.zeros('float32', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = i;
  return a;
};

describe('reshape with symbolic lengths', () => {
  it('reads scalar lengths at run time, -1 inferred: reshape(x, [shapeOf(x, 0), -1])', () => {
    const x = tensor('float32', [null, null, null], 'x');
    const y = reshape(x, [shapeOf(x, 0), -1]);
    expect(y.owner!.op).toBeInstanceOf(SymbolicReshape);
    expect(y.shape).toEqual([null, null]);
    const [out] = run([y], [[x, arr([2, 3, 4])]]);
    expect(out!.shape).toEqual([2, 12]);
    expect(Array.from(out!.data)).toEqual(Array.from(arr([2, 3, 4]).data));
  });

  it('keeps fixed lengths static, and numbers or constants alone make a plain Reshape', () => {
    const x = tensor('float32', [null, 6], 'x');
    const n = iscalar('n');
    expect(reshape(x, [n, 3, 2]).shape).toEqual([null, 3, 2]);
    expect(reshape(x, [2, new Constant(NDArray.from(3, 'int32')), -1]).owner!.op).toBeInstanceOf(Reshape);
  });

  it('takes the target as one int32 vector: shapeOf(y) reads y\'s lengths, another vector its elements', () => {
    const x = matrix('x');
    const y = tensor('float32', [null, null, null], 'y');
    const like = reshape(x, shapeOf(y));
    expect(like.ndim).toBe(3);
    expect(like.owner!.inputs.slice(1).every((s) => s.owner?.op.name === 'shape_at')).toBe(true);
    const s = tensor('int32', [2], 's');
    const byVector = reshape(x, s);
    const [a, b] = run([like, byVector], [[x, arr([4, 6])], [y, arr([2, 3, 4])], [s, NDArray.from([-1, 8], 'int32')]]);
    expect(a!.shape).toEqual([2, 3, 4]);
    expect(b!.shape).toEqual([3, 8]);
    expect(() => reshape(x, tensor('int32', [null], 'v'))).toThrow(/reshape: a target given as one variable must be an int32 vector of static length/);
  });

  it('refuses lengths that do not fit at run time, naming the op, the element count and the lengths read', () => {
    const x = matrix('x');
    const n = iscalar('n');
    const m = iscalar('m');
    const feeds = (nv: number, mv: number): [Variable, NDArray][] => [[x, arr([2, 6])], [n, NDArray.from(nv, 'int32')], [m, NDArray.from(mv, 'int32')]];
    expect(() => run([reshape(x, [n, 5])], feeds(2, 0))).toThrow(/reshape: cannot reshape 12 elements to \[2, 5\]/);
    expect(() => run([reshape(x, [n, m])], feeds(-1, -1))).toThrow(/reshape: cannot reshape 12 elements to \[-1, -1\]: at most one length may be -1/);
    expect(() => run([reshape(x, [n, -1])], feeds(-3, 0))).toThrow(/a length is negative/);
    expect(() => run([reshape(x, [n, -1])], feeds(5, 0))).toThrow(/reshape: cannot reshape 12 elements to \[5, -1\]/);
    expect(() => reshape(x, [tensor('float32', [], 'f'), 2])).toThrow(/length operand 0 must be an int32 scalar, got float32\[\]/);
  });

  it('kernels give perform bit for bit, empty arrays included', () => {
    const x = tensor('float32', [null, null], 'x');
    const n = iscalar('n');
    // [0, 5] to [5, -1] is [5, 0]; -1 next to a read -1 is refused even for no elements.
    for (const [shape, len] of [[[3, 4], 6], [[0, 5], 5], [[4, 0], -1]] as [number[], number][]) {
      const node = new SymbolicReshape([null, -1]).apply([x, n]);
      const r = mulberry32(1);
      const a = NDArray.zeros('float32', shape);
      for (let i = 0; i < a.size; i++) a.data[i] = r();
      if (len === -1) {
        expect(() => kernelsDiffer(node, [a, NDArray.from(len, 'int32')])).toThrow(/cannot reshape 0 elements to \[-1, -1\]/);
        continue;
      }
      expect(kernelsDiffer(node, [a, NDArray.from(len, 'int32')])).toBeNull();
    }
  });

  it('differentiates back to x\'s shape (float64 verifyGrad)', () => {
    verifyGrad((x) => mul(reshape(x!, [shapeOf(x!, 1), -1]), 2), [NDArray.from([[1, 2, 3], [4, 5, 6]], 'float64')]);
  });
});
