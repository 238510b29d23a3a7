import { afterAll, describe, expect, it } from 'vitest';
import { compile, tensor, NDArray, type DType, type Variable } from '@hypatia/core';
import { argmax, argmin, max, min, prod } from '@hypatia/ops';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded as randomArray } from './gpu-test-helpers.js';

/** Compile `f` on webgpu and compare with the reference semantics on `x`. */
async function agrees(f: (v: Variable) => Variable, x: NDArray, rtol = 1e-5): Promise<NDArray> {
  const v = tensor(x.dtype as DType, x.shape.map(() => null), 'x');
  return (await agreesWithReference([v], [f(v)], [x], rtol, 1e-6))[0]!;
}

describe.runIf(gpuAvailable)('webgpu max, min, prod, argmax, argmin on their IR kernels', () => {
  afterAll(releaseDevice);

  it('reduce long rows and many outputs', async () => {
    const x = randomArray([70, 300], 'float32', 7, -50, 50);
    for (const f of [(v: Variable) => max(v, 1), (v: Variable) => min(v, 0), (v: Variable) => argmax(v, 1), (v: Variable) => argmin(v, 0), (v: Variable) => max(v)]) await agrees(f, x);
    await agrees((v) => prod(v, 1), randomArray([70, 300], 'float32', 8, 0.99, 1.01), 1e-4);
  });

  it('argmax and argmin: the first of equal values wins', async () => {
    // Maxima at columns 3, 67 and 131: all handled by thread 3 or 67 mod 64 of the workgroup tree.
    const row = new Float32Array(200).fill(0);
    row[131] = 5; row[67] = 5; row[3] = 5; row[199] = 5;
    const x = new NDArray('float32', [2, 200], Float32Array.from([...row, ...row.map((v) => -v)]));
    const am = await agrees((v) => argmax(v, 1), x);
    expect(Array.from(am.data)).toEqual([3, 0]);
    const an = await agrees((v) => argmin(v, 1), x);
    expect(Array.from(an.data)).toEqual([0, 3]);
  });

  it('NaN: max and min propagate it, argmax and argmin return the first NaN', async () => {
    const row = Array.from({ length: 150 }, (_, i) => i);
    row[100] = NaN; row[140] = NaN;
    const x = NDArray.from([row, row.map((v) => -v)], 'float32');
    expect(Array.from((await agrees((v) => max(v, 1), x)).data)).toEqual([NaN, NaN]);
    expect(Array.from((await agrees((v) => min(v, 1), x)).data)).toEqual([NaN, NaN]);
    expect(Array.from((await agrees((v) => argmax(v, 1), x)).data)).toEqual([100, 100]);
    expect(Array.from((await agrees((v) => argmin(v, 1), x)).data)).toEqual([100, 100]);
  });

  it('infinities, int32 extremes and bool', async () => {
    await agrees((v) => max(v, 1), NDArray.from([[-Infinity, -Infinity], [Infinity, 1]], 'float32'));
    await agrees((v) => min(v, 0), NDArray.from([[2147483647, -2147483648, 5], [-3, 7, 2147483647]], 'int32'));
    await agrees((v) => max(v, 0), NDArray.from([[-2147483648, -2147483648]], 'int32'));
    await agrees((v) => argmin(v, [0, 1]), randomArray([9, 40], 'int32', 3, -4, 4));
    const b = NDArray.from([[0, 1, 0], [0, 0, 0]], 'bool');
    expect(Array.from((await agrees((v) => max(v, 1), b)).data)).toEqual([1, 0]);
    expect(Array.from((await agrees((v) => prod(v, 0), b)).data)).toEqual([0, 0, 0]);
    await agrees((v) => prod(v, 1), randomArray([5, 7], 'int32', 4, -3, 3));
    expect(Array.from((await agrees((v) => argmax(v, 1), b)).data)).toEqual([1, 0]);
    const special = NDArray.from([[2, Infinity, 3], [0, Infinity, 1], [NaN, 1, 2], [-Infinity, -1, 0.5]], 'float32');
    expect(Array.from((await agrees((v) => prod(v, 1), special)).data)).toEqual([Infinity, NaN, NaN, Infinity]);
  });

  it('prod over an empty axis is 1; max over one is a run-time error naming the op', async () => {
    const x = new NDArray('float32', [3, 0], new Float32Array(0));
    expect(Array.from((await agrees((v) => prod(v, 1), x)).data)).toEqual([1, 1, 1]);
    const v = tensor('float32', [null, null], 'x');
    const f = await compile({ inputs: [v], outputs: [max(v, 1)], backend: 'webgpu' });
    await expect(f(x)).rejects.toThrow(/max: cannot reduce over axis 1 of length 0/);
  });
});
