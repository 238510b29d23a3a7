import { describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, mulberry32, tensor, type DType, type Variable } from '@hypatia/core';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad, type Pool2dOptions } from '@hypatia/ops';
import { compareArrays, resolvePoolOptions } from '@hypatia/ops/backend';
import { NativeBackend } from './native-backend.js';
import { DEFAULT_FLAGS } from './build-addon.js';
import { testCacheDir } from './testing/test-cache-dir.js';

/** Whether a geometry is the routines' (regular windows; non-overlapping for a gradient), else the ops' IR kernels run it. */
function routineRuns(o: Pool2dOptions, grad: boolean): boolean {
  const stride = o.stride ?? o.window;
  return (o.ignoreBorder ?? true) && !o.padding && (!grad || stride.every((s, i) => s >= o.window[i]!));
}

/** What describe() says runs each output's node: the routine's step kind, or 'kernels' (the op's IR kernels). */
function stepKinds(fn: { executable: { describe(): string } }, outputs: readonly Variable[]): (string | undefined)[] {
  const kinds = new Map<string, string>();
  for (const m of fn.executable.describe().matchAll(/^\s*\d+: native \S+ (\S+) (\w+\{[^}]*\})\(/gm)) kinds.set(m[2]!, m[1]!);
  return outputs.map((o) => kinds.get(o.owner!.op.toString()));
}

function randomArray(shape: readonly number[], dtype: DType, seed: number, nans = false): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  // Few distinct values, so windows hold ties and the first-maximum rule matters; with `nans`, a
  // few NaNs (first in a window, they stick; later, they lose) and signed zeros.
  for (let i = 0; i < a.size; i++) {
    const u = r();
    a.data[i] = nans && u < 0.05 ? NaN : nans && u < 0.1 ? -0 : Math.floor(r() * 5) - 2;
  }
  return a;
}

// Regular windows, which the routines run (2x2, 3x3, 1x1, gaps between windows, a ragged border
// left out; overlapping ones only forward), and the rest, which the ops' IR kernels run
// (overlapping gradients, windows clipped at the border, padding).
const options: Pool2dOptions[] = [
  { window: [2, 2] }, { window: [3, 3] }, { window: [1, 1] }, { window: [2, 2], stride: [3, 3] }, { window: [2, 1], stride: [2, 4] },
  { window: [3, 2], stride: [1, 1] }, { window: [2, 3], ignoreBorder: false }, { window: [3, 3], stride: [2, 2], padding: [1, 1] },
];
// Odd sizes, even sizes, one narrower than some windows (no pooled columns), and a larger one,
// which the second build spreads over threads (threads start from HYP_POOL_PAR_MIN input
// elements, lowered to 1 there).
const shapes = [[2, 3, 7, 9], [3, 2, 8, 12], [1, 2, 5, 2], [20, 20, 28, 28]];
const builds = [{ name: '', flags: [...DEFAULT_FLAGS] }, { name: ', on threads', flags: [...DEFAULT_FLAGS, '-DHYP_POOL_PAR_MIN=1'] }];

describe('native max pooling and its gradient agree with the reference', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) for (const { name, flags } of builds) {
    it(`${dtype}, with ties, NaNs and signed zeros${name}`, async () => {
      const x = tensor(dtype, [null, null, null, null], 'x');
      const outputs: Variable[] = [];
      const want: string[] = [];
      for (const o of options) {
        const y = maxPool2d(x, o);
        outputs.push(y, maxPool2dGrad(x, y, resolvePoolOptions(o, 'max_pool2d')));
        want.push(...[false, true].map((grad) => (routineRuns(o, grad) ? 'max_pool' : 'kernels')));
      }
      const fn = await compile({ inputs: [x], outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir(), flags } });
      expect(stepKinds(fn, outputs)).toEqual(want);
      for (const [k, shape] of shapes.entries()) {
        for (const nans of [false, true]) {
          const args = [randomArray(shape, dtype, 1 + k, nans)];
          const want = evaluate(outputs, new Map([[x, args[0]!]]));
          const got = await fn(...args);
          const failures = outputs.map((_o, i) => compareArrays(want[i]!, got[i]!, 0, 0)).map((d, i) => d && `[${shape}] output ${i}: ${d}`).filter(Boolean);
          expect(failures).toEqual([]);
          // Signed zeros: compareArrays takes -0 === 0, Object.is does not.
          const signs = got.map((g, i) => g.data.findIndex((v, e) => !Object.is(v, want[i]!.data[e]))).map((e, i) => e >= 0 && `[${shape}] output ${i}: element ${e}`).filter(Boolean);
          expect(signs).toEqual([]);
        }
      }
    });
  }
});

describe('native average pooling and its gradient agree with the reference', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) for (const { name, flags } of builds) {
    it(`${dtype}, excluding and including padding${name}`, async () => {
      const x = tensor(dtype, [null, null, null, null], 'x');
      const gy: Variable[] = [];
      const outputs: Variable[] = [];
      const want: string[] = [];
      for (const includePad of [false, true]) {
        for (const o of options) {
          const y = avgPool2d(x, { ...o, includePad });
          const g = tensor(dtype, [null, null, null, null], `g${gy.length}`);
          gy.push(g);
          outputs.push(y, avgPool2dGrad(g, x, { ...resolvePoolOptions(o, 'avg_pool2d'), includePad }));
          want.push(...[false, true].map((grad) => (routineRuns(o, grad) ? 'avg_pool' : 'kernels')));
        }
      }
      const inputs = [x, ...gy];
      const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir(), flags } });
      expect(stepKinds(fn, outputs)).toEqual(want);
      for (const [k, shape] of shapes.entries()) {
        const xv = randomArray(shape, dtype, 2 + k);
        const pooled = evaluate(outputs.filter((_, i) => i % 2 === 0), new Map([[x, xv]]));
        const args = [xv, ...pooled.map((p, i) => randomArray(p.shape, dtype, 10 + i))];
        const want = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
        const got = await fn(...args);
        const failures = outputs.map((_o, i) => compareArrays(want[i]!, got[i]!, 0, 0)).map((d, i) => d && `[${shape}] output ${i}: ${d}`).filter(Boolean);
        expect(failures).toEqual([]);
      }
    });
  }
});
