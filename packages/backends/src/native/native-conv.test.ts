import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, mulberry32, tensor, type DType, type Variable } from '@hypatia/core';
import { conv2d, conv2dGradFilters, conv2dGradInput, type Conv2dOptions } from '@hypatia/ops';
import { compareArrays, resolveConvOptions } from '@hypatia/ops/backend';
import { NativeBackend } from './native-backend.js';
import { DEFAULT_FLAGS } from './build-addon.js';
import { testCacheDir } from './testing/test-cache-dir.js';

function randomArray(shape: readonly number[], dtype: DType, seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

const geometries: Conv2dOptions[] = [
  {}, { padding: 'same' }, { padding: 'full' }, { stride: [2, 1] }, { stride: [2, 3], padding: [1, 2] },
];

// The second build runs every image group with one image and every copy on threads; the third
// shares the groups out between two threads (each summing its own part of the filters' gradient).
const builds = [
  { name: '', flags: [...DEFAULT_FLAGS] },
  { name: ', one image per group, copies on threads', flags: [...DEFAULT_FLAGS, '-DHYP_CONV_COLS=1', '-DHYP_CONV_PAR_MIN=1'] },
  { name: ', groups shared out between two threads', flags: [...DEFAULT_FLAGS, '-DHYP_GEMM_PAR_MIN=1'], threads: 2 },
];

describe('native conv2d and its gradients agree with the reference', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) for (const { name, flags, threads } of builds) {
    it(`${dtype}${name}`, async () => {
      const x = tensor(dtype, [null, null, null, null], 'x');
      const w = tensor(dtype, [null, null, null, null], 'w');
      const outputs: Variable[] = [];
      const names: string[] = [];
      for (const g of geometries) {
        const y = conv2d(x, w, g);
        const p = resolveConvOptions(g, 'conv2d');
        outputs.push(y, conv2dGradInput(y, w, x, p), conv2dGradFilters(x, y, w, p));
        names.push(`conv2d ${JSON.stringify(g)}`, `grad input ${JSON.stringify(g)}`, `grad filters ${JSON.stringify(g)}`);
      }
      // Large enough to spread work over threads, and to run in three groups of images (8, 8, 4).
      const xb = tensor(dtype, [null, null, null, null], 'xb');
      const wb = tensor(dtype, [null, null, null, null], 'wb');
      const yb = conv2d(xb, wb, { padding: 'same' });
      const pb = resolveConvOptions({ padding: 'same' }, 'conv2d');
      outputs.push(yb, conv2dGradInput(yb, wb, xb, pb), conv2dGradFilters(xb, yb, wb, pb));
      names.push('large conv2d', 'large grad input', 'large grad filters');
      const args = [randomArray([3, 2, 7, 8], dtype, 1), randomArray([4, 2, 3, 2], dtype, 2), randomArray([20, 3, 20, 20], dtype, 3), randomArray([6, 3, 5, 5], dtype, 4)];
      const want = evaluate(outputs, new Map([[x, args[0]!], [w, args[1]!], [xb, args[2]!], [wb, args[3]!]]));
      const fn = await compile({ inputs: [x, w, xb, wb], outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir(), flags, threads } });
      expect(fn.executable.describe()).toMatch(/native .* conv2d_grad_filters/);
      const got = await fn(...args);
      const tol = dtype === 'float32' ? 1e-4 : 1e-12;
      const failures = names.map((n, k) => {
        const d = compareArrays(want[k]!, got[k]!, tol, tol);
        return d && `${n}: ${d}`;
      }).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});

describe('native conv2d on empty operands', () => {
  it('an empty mini-batch gives empty outputs and zero filter gradients; no input channels give zeros', async () => {
    const x = tensor('float32', [null, null, null, null], 'x');
    const w = tensor('float32', [null, null, null, null], 'w');
    const p = resolveConvOptions({}, 'conv2d');
    const y = conv2d(x, w);
    const outputs = [y, conv2dGradInput(y, w, x, p), conv2dGradFilters(x, y, w, p)];
    const fn = await compile({ inputs: [x, w], outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
    for (const [xs, ws] of [[[0, 2, 7, 8], [4, 2, 3, 2]], [[3, 0, 7, 8], [4, 0, 3, 2]]]) {
      const args = [randomArray(xs!, 'float32', 5), randomArray(ws!, 'float32', 6)];
      const want = evaluate(outputs, new Map([[x, args[0]!], [w, args[1]!]]));
      const got = await fn(...args);
      const failures = outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, 0, 0)).map((d, k) => d && `[${xs}] output ${k}: ${d}`).filter(Boolean);
      expect(failures).toEqual([]);
      expect(got[2]!.shape).toEqual(ws);
    }
  });
});

// Small filters at stride 1 without padding are convolved in place (no unfolding); every output
// must still be the im2col-and-gemm path's (HYP_CONV_DIRECT_K=0 turns the in-place path off).
describe('native conv2d with small filters, computed without unfolding', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(`${dtype}: equals the unfolded product bit for bit and the reference to rounding`, async () => {
      const x = tensor(dtype, [null, null, null, null], 'x');
      const w = tensor(dtype, [null, null, null, null], 'w');
      const p = resolveConvOptions({}, 'conv2d');
      const y = conv2d(x, w);
      const outputs = [y, conv2dGradFilters(x, y, w, p)];
      // network3's first layer; then rows of 27 (a full chunk and a tail) and 6 filters (a block of 4 and 2 more).
      const cases = [[[3, 1, 28, 28], [20, 1, 5, 5]], [[2, 2, 9, 30], [6, 2, 3, 4]]];
      const run = async (flags: string[]) => {
        const fn = await compile({ inputs: [x, w], outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir(), flags } });
        return Promise.all(cases.map(([xs, ws], c) => fn(randomArray(xs!, dtype, 10 + c), randomArray(ws!, dtype, 20 + c))));
      };
      const direct = await run([...DEFAULT_FLAGS]);
      const unfolded = await run([...DEFAULT_FLAGS, '-DHYP_CONV_DIRECT_K=0']);
      const tol = dtype === 'float32' ? 1e-4 : 1e-12;
      const failures = cases.flatMap(([xs, ws], c) => {
        const want = evaluate(outputs, new Map([[x, randomArray(xs!, dtype, 10 + c)], [w, randomArray(ws!, dtype, 20 + c)]]));
        return [
          compareArrays(unfolded[c]![0]!, direct[c]![0]!, 0, 0),
          ...outputs.map((_o, k) => compareArrays(want[k]!, direct[c]![k]!, tol, tol)),
        ].map((d, k) => d && `[${xs}] * [${ws}] check ${k}: ${d}`);
      }).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});
