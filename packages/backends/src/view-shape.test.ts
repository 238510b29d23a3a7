import { describe, expect, it } from 'vitest';
import { NDArray, compile, dmatrix, tensor } from '@hypatia/core';
import { add, dimshuffle, flatten, reshape, reshapeLike } from '@hypatia/ops';
import { NativeBackend } from './native/native-backend.js';
import { ReferenceBackend } from './reference/reference-backend.js';
import { testCacheDir } from './native/testing/test-cache-dir.js';
import { WasmBackend } from './wasm/wasm-backend.js';
import { viewShape } from './view-shape.js';

const at = (...shapes: number[][]) => shapes.map((shape) => ({ shape }));

describe('viewShape', () => {
  it("gives reshapes, flattens and in-order dimshuffles their output's shape; a reordering dimshuffle or another op is no view", () => {
    const x = tensor('float64', [null, null, null], 'x');
    expect(viewShape(dimshuffle(x, 0, 'x', 1, 2).owner!)!(at([2, 3, 4]))).toEqual([2, 1, 3, 4]);
    expect(viewShape(dimshuffle(x, 0, 2, 1).owner!)).toBeNull();
    expect(viewShape(reshape(x, [-1, 4]).owner!)!(at([2, 3, 4]))).toEqual([6, 4]);
    expect(viewShape(flatten(x, 2).owner!)!(at([2, 3, 4]))).toEqual([2, 12]);
    expect(viewShape(reshapeLike(x, dmatrix('m')).owner!)!(at([2, 3, 4], [4, 6]))).toEqual([4, 6]);
    expect(viewShape(add(x, 1).owner!)).toBeNull();
  });

  it('a reshape to the wrong size is the op\'s error, on native and wasm as on the reference', async () => {
    const x = dmatrix('x');
    const like = dmatrix('like');
    for (const options of [{ backend: new ReferenceBackend() }, { backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } }, { backend: new WasmBackend() }]) {
      const f = await compile({ inputs: [x, like], outputs: [reshapeLike(x, like)], ...options });
      expect(Array.from((await f([[1, 2, 3], [4, 5, 6]], NDArray.zeros('float64', [3, 2])))[0]!.data)).toEqual([1, 2, 3, 4, 5, 6]);
      await expect(f([[1, 2, 3]], NDArray.zeros('float64', [2, 2]))).rejects.toThrow(/reshape_like: cannot reshape 3 elements to \[2, 2\]/);
    }
  });
});
