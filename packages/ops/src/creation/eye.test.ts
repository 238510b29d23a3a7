import { describe, expect, it } from 'vitest';
import { Constant, NDArray, evaluate, iscalar, tensor, type Variable } from '@hypatia/core';
import { eye, Eye } from './eye.js';

const run = (out: Variable, feeds: [Variable, NDArray][] = []) => evaluate([out], new Map(feeds))[0]!;

describe('eye', () => {
  it('with numbers is a constant', () => {
    const e = eye(3);
    expect(e).toBeInstanceOf(Constant);
    expect(e.type.toString()).toBe('float32[3, 3]');
    expect(run(e).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(run(eye(2, 4, 1, 'int32')).toArray()).toEqual([[0, 1, 0, 0], [0, 0, 1, 0]]);
    expect(run(eye(3, 2, -1, 'float64')).toArray()).toEqual([[0, 0], [1, 0], [0, 1]]);
    expect(run(eye(2, 2, 5)).toArray()).toEqual([[0, 0], [0, 0]]);
  });

  it('with variable counts is a node read at run time', () => {
    const n = iscalar('n');
    const e = eye(n, 3);
    expect(e.owner!.op).toBeInstanceOf(Eye);
    expect(e.type.toString()).toBe('float32[?, ?]');
    expect(run(e, [[n, NDArray.from(2, 'int32')]]).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(run(eye(n), [[n, NDArray.from(2, 'int32')]]).toArray()).toEqual([[1, 0], [0, 1]]);
  });

  it('refuses bad counts and offsets', () => {
    expect(() => eye(-1)).toThrow(/eye: the row count must be a non-negative integer, got -1/);
    expect(() => eye(2, 2.5)).toThrow(/column count/);
    expect(() => eye(2, 2, 0.5)).toThrow(/offset k must be an integer/);
    expect(() => eye(tensor('float32', [], 'f'))).toThrow(/eye: the row count must be an integer scalar.*eye\.test\.ts:\d+/s);
    const n = iscalar('n');
    expect(() => run(eye(n), [[n, NDArray.from(-3, 'int32')]])).toThrow(/eye: the row count must be a non-negative integer, got -3/);
  });
});
