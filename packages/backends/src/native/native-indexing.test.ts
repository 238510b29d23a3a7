import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, iscalar, ivector, tensor, type DType, type Variable } from '@hypatia/core';
import {
  advancedIncSubtensor, advancedIndex, argmax, argmin, advancedSetSubtensor, arange, shapeOf, sliceAxis, softmaxCrossentropyGrad,
  softmaxCrossentropyWithLabels, subtensor, take,
} from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

const native = () => ({ backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() }, rewrites: false as const });

async function agree(inputs: Variable[], outputs: Variable[], args: NDArray[], tol: number): Promise<string> {
  const want = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
  const fn = await compile({ inputs, outputs, ...native() });
  const described = fn.executable.describe();
  expect(described).not.toMatch(/host op/);
  // Twice: the second call reuses pooled buffers.
  for (let rep = 0; rep < 2; rep++) {
    const got = await fn(...args);
    const failures = outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, tol, tol)).map((d, k) => d && `output ${k}: ${d}`).filter(Boolean);
    expect(failures).toEqual([]);
  }
  return described;
}

const ramp = (dtype: DType, shape: number[]) => {
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'int32' ? i * 3 - 7 : Math.sin(i) * 2;
  return a;
};

describe('native indexing kernels agree with the reference', () => {
  it('subtensor: run-time bounds (a view) and negative steps (a strided copy), shapeOf, arange', async () => {
    const x = tensor('float32', [null, null], 'x');
    const i = iscalar('i');
    const outputs = [
      sliceAxis(x, 0, i, iscalar('j')), subtensor(x, [[null, null, -2], [1, null]]), subtensor(x, [1, [null, null, -1]]),
      shapeOf(x, 1), arange(i, shapeOf(x, 0), 2), arange(0.5, 3, 0.75), arange(7, 1, -2, 'float64'),
    ];
    const inputs = [x, i, outputs[0]!.owner!.inputs[2]!];
    const d = await agree(inputs, outputs, [ramp('float32', [6, 5]), NDArray.from(1, 'int32'), NDArray.from(4, 'int32')], 0);
    expect(d).toMatch(/slice/);
    expect(d).toMatch(/arange/);
  });

  for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
    it(`advanced indexing and scatters, ${dtype}`, async () => {
      const x = tensor(dtype, [null, null, null], 'x');
      const rows = ivector('rows');
      const cols = ivector('cols');
      const m = tensor(dtype, [null, null], 'm');
      const outputs = [
        take(x, rows, 0), advancedIndex(x, [rows, cols], 1), advancedIndex(m, [rows, cols]),
        // Repeated and negative indices: 'inc' accumulates, 'set' keeps the last write; y broadcasts.
        advancedIncSubtensor(m, [rows, cols], tensor(dtype, [null], 'y')), advancedSetSubtensor(m, [rows, cols], 5),
        advancedIncSubtensor(x, [rows], 1, 0),
      ];
      const y = outputs[3]!.owner!.inputs[1]!;
      const args = [ramp(dtype, [3, 4, 4]), NDArray.from([0, 2, -1, 2], 'int32'), NDArray.from([1, 1, 3, -4], 'int32'), ramp(dtype, [3, 4]), ramp(dtype, [4])];
      const d = await agree([x, rows, cols, m, y], outputs, args, dtype === 'float32' ? 1e-6 : 0);
      expect(d).toMatch(/kernels/);
      expect(d).toMatch(/kernels/);
    });
  }

  for (const dtype of ['float32', 'int32'] as DType[]) {
    it(`argmax and argmin, ${dtype}: first of ties, a NaN wins, several axes, keepdims`, async () => {
      const x = tensor(dtype, [null, null, null], 'x');
      const outputs = [argmax(x, 2), argmin(x, 1, true), argmax(x, [0, 2]), argmin(x), argmax(x, 0)];
      const a = ramp(dtype, [3, 4, 5]);
      for (let i = 0; i < a.size; i++) a.data[i] = (i * 7) % 11;
      if (dtype === 'float32') { a.data[6] = NaN; a.data[33] = NaN; }
      const d = await agree([x], outputs, [a], 0);
      expect(d).toMatch(/kernels/);
    });
  }

  it('index errors name the op and the bound', async () => {
    const m = tensor('float32', [null, null], 'm');
    const rows = ivector('rows');
    const fn = await compile({ inputs: [m, rows], outputs: [advancedIndex(m, [rows])], ...native() });
    await expect(fn(ramp('float32', [2, 3]), NDArray.from([0, 2], 'int32'))).rejects.toThrow(/advanced_subtensor.*index 2 is out of bounds for axis 0 with size 2/);
  });

  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(`softmax cross-entropy with labels and its gradient, ${dtype}`, async () => {
      const z = tensor(dtype, [null, null], 'z');
      const y = ivector('y');
      const g = tensor(dtype, [null], 'g');
      const outputs = [softmaxCrossentropyWithLabels(z, y), softmaxCrossentropyGrad(g, z, y)];
      const logits = [[1, 2, 3, 4], [1000, 999, -1000, 0], [-Infinity, 0, 1, -Infinity], [0.5, -0.25, 3, 2]];
      const args = [NDArray.from(logits, dtype), NDArray.from([3, 0, -2, 1], 'int32'), NDArray.from([1, -0.5, 2, 0.25], dtype)];
      const d = await agree([z, y, g], outputs, args, dtype === 'float32' ? 1e-6 : 1e-14);
      expect(d).toMatch(/kernels/);
      const fn = await compile({ inputs: [z, y, g], outputs, ...native() });
      await expect(fn(args[0]!, NDArray.from([0, 4, 1, 1], 'int32'), args[2]!)).rejects.toThrow(/label 4 at row 1 is out of range for 4 classes/);
    });
  }
});
