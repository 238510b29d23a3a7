import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, tensor, type DType } from '@hypatia/core';
import { logSoftmax, softmax, softmaxGrad } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

describe('native softmax family agrees with the reference', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(dtype, async () => {
      const x = tensor(dtype, [null, null], 'x');
      const dy = tensor(dtype, [null, null], 'dy');
      const v = tensor(dtype, [null], 'v');
      const y = softmax(x);
      const outputs = [y, logSoftmax(x), softmaxGrad(dy, y), softmax(v), logSoftmax(v)];
      // Large logits (overflow without the max shift), -Inf and NaN entries, an all -Inf row.
      const rows = [[1, 2, 3, 4], [1000, 999, -1000, 0], [-Infinity, 0, 1, -Infinity], [NaN, 1, 2, 3], [-Infinity, -Infinity, -Infinity, -Infinity]];
      const args = [NDArray.from(rows, dtype), NDArray.from(rows.map((r, i) => r.map((_, j) => (i - j) / 3)), dtype), NDArray.from([3, -1, 0.5], dtype)];
      const want = evaluate(outputs, new Map([[x, args[0]!], [dy, args[1]!], [v, args[2]!]]));
      const fn = await compile({ inputs: [x, dy, v], outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() }, rewrites: false });
      expect(fn.executable.describe()).toMatch(/native .* kernels softmax_grad/);
      const got = await fn(...args);
      const tol = dtype === 'float32' ? 1e-6 : 1e-14;
      const failures = outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, tol, tol)).map((d, k) => d && `output ${k}: ${d}`).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});
