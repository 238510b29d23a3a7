import { describe, expect, it } from 'vitest';
import { E, KernelBuilder, NDArray, compile, evaluate, mulberry32, tensor, type DType, type Variable } from '@hypatia/core';
import { add, dimshuffle, exp, mul, sigmoid, sliceAxis, sub, tanh } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { kernelToC } from './c-printer.js';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

function randomArray(shape: readonly number[], dtype: DType, seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'int32' ? Math.floor(r() * 2000) - 1000 : r() * 4 - 2;
  return a;
}

/** A tensor whose axes of length 1 in `shape` are declared broadcastable. */
const operand = (dtype: DType, shape: readonly number[], name: string) => tensor(dtype, shape.map((d) => (d === 1 ? 1 : null)), name);

// Each layout path of the elementwise kernel: flat, rows with stride-0 operands (bias on a middle
// axis, column vector, both operands broadcasting, rows longer than the splat buffer), strided
// rows (transposed and stepped operands), sizes that start threads, and empty operands.
const pairs: [number[], number[]][] = [
  [[3, 4, 5], [3, 4, 5]], [[3, 4, 5, 6], [1, 4, 1, 1]], [[7, 10], [7, 1]], [[5, 1, 7], [1, 6, 1]], [[4, 1], [4, 600]],
  [[2, 3, 1, 700], [1, 3, 5, 1]], [[600, 500], [500]], [[40, 30, 20], [1, 30, 1]], [[1050, 2000], [1050, 2000]], [[1050, 1, 2000], [1, 1, 2000]],
  [[0, 5], [5]], [[3, 0], [1, 1]], [[], [2, 3]],
];

describe('native elementwise kernels agree with the reference on every layout', () => {
  for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
    it(dtype, async () => {
      const inputs: Variable[] = [];
      const outputs: Variable[] = [];
      const args: NDArray[] = [];
      pairs.forEach(([sa, sb], k) => {
        const a = operand(dtype, sa, `a${k}`), b = operand(dtype, sb, `b${k}`);
        inputs.push(a, b);
        args.push(randomArray(sa, dtype, 2 * k + 1), randomArray(sb, dtype, 2 * k + 2));
        outputs.push(sub(mul(a, b), a));
        if (dtype !== 'int32') outputs.push(tanh(add(exp(b), a)));
      });
      const t = tensor(dtype, [null, null, null], 't');
      inputs.push(t);
      args.push(randomArray([6, 5, 300], dtype, 99));
      outputs.push(add(dimshuffle(t, 2, 0, 1), dimshuffle(t, 2, 0, 1)), mul(sliceAxis(t, 2, 1, null, 3), sliceAxis(t, 2, 0, 100)));
      const want = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
      const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
      expect(fn.executable.describe()).not.toMatch(/host op/);
      const got = await fn(...args);
      // libm's exp and tanh may differ from JS's in the last place, and gcc fuses a * b - a into
      // one fma (one rounding, not two): a few units in the last place of the operands (about 2).
      const [rtol, atol] = dtype === 'float32' ? [3e-7, 1e-6] : dtype === 'float64' ? [1e-14, 2e-15] : [0, 0];
      const failures = outputs.map((_o, k) => compareArrays(want[k]!, got[k]!, rtol, atol)).map((d, k) => d && `output ${k}: ${d}`).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});

describe('the vectorised float32 exp', () => {
  it('is within one unit in the last place of the reference over the whole float range, specials exact', async () => {
    const x = tensor('float32', [null], 'x');
    const fn = await compile({ inputs: [x], outputs: [exp(x), sigmoid(x)], backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
    const values: number[] = [NaN, Infinity, -Infinity, 0, -0, 88.72, 88.73, 89, 90, 95, -87.3, -103.9, -104, -110, -120, 1e10, -1e10, 1e-30, -1e-30];
    for (let v = -120; v <= 100; v += 0.0011) values.push(v);
    const xv = NDArray.from(values, 'float32');
    const want = evaluate([exp(x), sigmoid(x)], new Map([[x, xv]]));
    const [e, s] = await fn(xv);
    // One unit in the last place: 2^-23 relative for normal results, 2^-149 absolute for subnormals.
    expect(compareArrays(want[0]!, e!, 2 ** -23, 2 ** -149)).toBeNull();
    // sigmoid in float overflows e^-x to inf below x = -88.7 and gives 0 where the reference's double
    // gives a result under the smallest normal float.
    expect(compareArrays(want[1]!, s!, 3e-7, 2 ** -126)).toBeNull();
    values.slice(0, 19).forEach((v, i) => expect(Object.is(e!.data[i], Math.fround(Math.exp(xv.data[i]!))), `exp(${v})`).toBe(true));
  });

  it('runs in 64-byte vectors where gcc would prefer 32-byte ones (it is compute-bound); other kernels keep the default', () => {
    const map = (f: (v: ReturnType<typeof E.c>) => ReturnType<typeof E.c>) => {
      const k = new KernelBuilder('map');
      const x = k.input('float32');
      const y = k.output('float32');
      const [n] = k.params(1);
      const [i] = k.space(n!);
      k.store(y, i!, f(x.at(i!)));
      return kernelToC(k.build(), 'hyp_k');
    };
    expect(map((v) => E.exp(v))).toMatch(/static inline HYP_WIDE_VECTORS int hyp_k_walk/);
    expect(map((v) => E.add(v, v))).toMatch(/static inline int hyp_k_walk/);
  });
});
