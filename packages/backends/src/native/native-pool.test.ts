import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, mulberry32, tensor, type DType, type Variable } from '@hypatia/core';
import { avgPool2d, avgPool2dGrad, compareArrays, maxPool2d, maxPool2dGrad, resolvePoolOptions, type Pool2dOptions } from '@hypatia/ops';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

function randomArray(shape: readonly number[], dtype: DType, seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  // Few distinct values, so windows hold ties and the first-maximum rule matters.
  for (let i = 0; i < a.size; i++) a.data[i] = Math.floor(r() * 5) - 2;
  return a;
}

const options: Pool2dOptions[] = [
  { window: [2, 2] }, { window: [3, 2], stride: [1, 1] }, { window: [2, 3], ignoreBorder: false },
  { window: [3, 3], stride: [2, 2], padding: [1, 1] },
];

describe('native max pooling and its gradient agree with the reference', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(dtype, async () => {
      const x = tensor(dtype, [null, null, null, null], 'x');
      const outputs: Variable[] = [];
      for (const o of options) {
        const y = maxPool2d(x, o);
        outputs.push(y, maxPool2dGrad(x, y, resolvePoolOptions(o, 'max_pool2d')));
      }
      const args = [randomArray([2, 3, 7, 9], dtype, 1)];
      const want = evaluate(outputs, new Map([[x, args[0]!]]));
      const fn = await compile({ inputs: [x], outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
      expect(fn.executable.describe()).toMatch(/native .* max_pool2d_grad/);
      const got = await fn(...args);
      const failures = outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, 0, 0)).map((d, k) => d && `output ${k}: ${d}`).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});

describe('native average pooling and its gradient agree with the reference', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(`${dtype}, excluding and including padding`, async () => {
      const x = tensor(dtype, [null, null, null, null], 'x');
      const gy: Variable[] = [];
      const outputs: Variable[] = [];
      for (const includePad of [false, true]) {
        for (const o of options) {
          const y = avgPool2d(x, { ...o, includePad });
          const g = tensor(dtype, [null, null, null, null], `g${gy.length}`);
          gy.push(g);
          outputs.push(y, avgPool2dGrad(g, x, { ...resolvePoolOptions(o, 'avg_pool2d'), includePad }));
        }
      }
      const xv = randomArray([2, 3, 7, 9], dtype, 2);
      const pooled = evaluate(outputs.filter((_, k) => k % 2 === 0), new Map([[x, xv]]));
      const args = [xv, ...pooled.map((p, k) => randomArray(p.shape, dtype, 10 + k))];
      const inputs = [x, ...gy];
      const want = evaluate(outputs, new Map(inputs.map((v, k) => [v, args[k]!])));
      const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
      expect(fn.executable.describe()).not.toMatch(/host op/);
      const got = await fn(...args);
      const failures = outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, 0, 0)).map((d, k) => d && `output ${k}: ${d}`).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});
