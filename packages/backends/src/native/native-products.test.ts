import { describe, expect, it } from 'vitest';
import { Conv2d, Dot, MatMul, ProductEpilogue, conv2d } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { NDArray, S, compile, evaluate, input, mulberry32, sconst, tensor, type DType, type Variable } from '@hypatia/core';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';
import { addonSource, type AddonExports, type KernelSource } from './addon-source.js';
import { DEFAULT_FLAGS, buildAddon, resolveBuildOptions } from './build-addon.js';
import { epiloguePassKernelC, gemmKernelC } from './kernels/gemm-c.js';
import { conv2dKernelsC } from './kernels/conv2d-c.js';
import { gemmEpilogueOf, runProductEpilogue } from './run-products.js';

/**
 * The blocked gemm against the reference on shapes that cross every block edge (MR=6, NR=8/16,
 * MC=96, KC=256), every transpose combination, vectors, and broadcast batches. One compiled
 * function per dtype computes them all.
 */
const cases: { name: string; a: number[]; b: number[]; make: (a: Variable, b: Variable) => Variable }[] = [];
for (const [m, k, n] of [[1, 1, 1], [4, 5, 3], [7, 17, 33], [97, 300, 35]] as const) {
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      cases.push({
        name: `dot [${m}x${k}]${tA ? 'ᵀ' : ''}·[${k}x${n}]${tB ? 'ᵀ' : ''}`,
        a: tA ? [k, m] : [m, k], b: tB ? [n, k] : [k, n],
        make: (a, b) => new Dot(tA, tB).call(a, b),
      });
    }
  }
}
cases.push(
  { name: 'matrix·vector', a: [9, 13], b: [13], make: (a, b) => new Dot().call(a, b) },
  { name: 'vector·matrix', a: [13], b: [13, 9], make: (a, b) => new Dot().call(a, b) },
  { name: 'vector·vector', a: [300], b: [300], make: (a, b) => new Dot().call(a, b) },
  { name: 'matmul batch broadcast', a: [3, 1, 5, 7], b: [1, 2, 7, 4], make: (a, b) => new MatMul().call(a, b) },
  { name: 'matmul transposed batch', a: [2, 7, 5], b: [2, 4, 7], make: (a, b) => new MatMul(true, true).call(a, b) },
);

function randomArray(shape: readonly number[], dtype: DType, seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

describe('native gemm agrees with the reference', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(dtype, async () => {
      const inputs: Variable[] = [];
      const outputs: Variable[] = [];
      const args: NDArray[] = [];
      cases.forEach((c, i) => {
        const bcast = (s: number[]) => s.map((d, j) => (d === 1 && j < s.length - 2 ? 1 : null));
        const a = tensor(dtype, bcast(c.a), `a${i}`);
        const b = tensor(dtype, bcast(c.b), `b${i}`);
        inputs.push(a, b);
        outputs.push(c.make(a, b));
        args.push(randomArray(c.a, dtype, 2 * i + 1), randomArray(c.b, dtype, 2 * i + 2));
      });
      const want = evaluate(outputs, new Map(inputs.map((v, i) => [v, args[i]!])));
      const fn = await compile({ inputs, outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } });
      expect(fn.executable.describe()).toMatch(/native .* dot/);
      const got = await fn(...args);
      const tol = dtype === 'float32' ? 2e-4 : 1e-12;
      const failures = cases.map((c, i) => {
        const d = compareArrays(want[i]!, got[i]!, tol, tol);
        return d && `${c.name}: ${d}`;
      }).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }
});

/**
 * ProductEpilogue through the kernels the native backend builds for it (gemm with the epilogue
 * inside; conv2d followed by the epilogue pass), built and launched directly with build-addon.ts
 * and runProductEpilogue, against the op's reference perform. The second build starts threads for
 * every product, so the epilogue also runs on tiles split between threads.
 */
describe('native product epilogue agrees with the reference', () => {
  const epilogueCases = (d: DType) => {
    const f = (i: number) => input(i, d);
    const sigmoidOfSum = S.div(sconst(1, d), S.add(sconst(1, d), S.exp(S.neg(S.add(f(0), f(1))))));
    const reluOfSum = S.max(S.add(f(0), f(1)), sconst(0, d));
    const productSecond = S.mul(S.tanh(S.sub(f(0), f(1))), f(2));
    const t = (shape: (number | null)[], name: string) => tensor(d, shape, name);
    const conv = (x: Variable, w: Variable) => conv2d(x, w, { padding: 'same' }).owner!.op;
    return [
      { name: 'network3 hidden layer sigmoid(x·W + b)', shapes: [[10, 784], [784, 100], [100]], vars: [t([null, null], 'x'), t([null, null], 'w'), t([null], 'b')], product: () => new Dot(), formula: sigmoidOfSum, at: 0 },
      { name: 'transposed reads, product second, a column and a matrix operand', shapes: [[7, 13], [33, 7], [13, 1], [13, 33]], vars: [t([null, null], 'a'), t([null, null], 'c'), t([null, 1], 'col'), t([null, null], 'm')], product: () => new Dot(true, true), formula: productSecond, at: 1 },
      { name: 'packed sizes relu(x·W + b)', shapes: [[200, 300], [300, 130], [130]], vars: [t([null, null], 'x'), t([null, null], 'w'), t([null], 'b')], product: () => new Dot(), formula: reluOfSum, at: 0 },
      { name: 'matrix·vector + vector', shapes: [[9, 5], [5], [9]], vars: [t([null, null], 'a'), t([null], 'v'), t([null], 'b')], product: () => new Dot(), formula: reluOfSum, at: 0 },
      { name: 'k = 0', shapes: [[3, 0], [0, 4], [4]], vars: [t([null, null], 'a'), t([null, null], 'c'), t([null], 'b')], product: () => new Dot(), formula: sigmoidOfSum, at: 0 },
      { name: 'matmul batches with a per-batch operand', shapes: [[2, 3, 4], [2, 4, 5], [2, 1, 5]], vars: [t([null, null, null], 'a'), t([null, null, null], 'c'), t([null, 1, null], 'b')], product: () => new MatMul(), formula: sigmoidOfSum, at: 0 },
      {
        name: 'conv2d relu(conv + per-channel bias)', shapes: [[2, 3, 6, 6], [4, 3, 3, 3], [1, 4, 1, 1]],
        vars: [t([null, 3, null, null], 'x'), t([4, 3, 3, 3], 'w'), t([1, 4, 1, 1], 'b')], product: (x: Variable, w: Variable) => conv(x, w), formula: reluOfSum, at: 0,
      },
    ];
  };

  for (const [dtype, parMin] of [['float32', undefined], ['float64', undefined], ['float32', 1]] as const) {
    it(`${dtype}${parMin ? ', every product on all threads' : ''}`, async () => {
      const cases = epilogueCases(dtype);
      const kernels: KernelSource[] = [{ name: 'gemm', code: gemmKernelC('gemm', dtype) }];
      const plans = cases.map((c, i) => {
        const [x, y, ...extras] = c.vars as [Variable, Variable, ...Variable[]];
        const product = c.product(x, y);
        const dtypes = [dtype, ...extras.map((v) => v.dtype)];
        const op = new ProductEpilogue(product, 2, c.formula, dtypes, c.at, ['case']);
        const node = op.apply([x, y, ...extras]);
        const epi = gemmEpilogueOf(op);
        const first = kernels.length;
        if (product instanceof Conv2d) {
          kernels.push({ name: `conv${i}`, code: conv2dKernelsC(`conv${i}`, dtype, 'gemm', 'forward') });
          kernels.push({ name: `pass${i}`, code: epiloguePassKernelC(`pass${i}`, dtype, epi) });
        } else kernels.push({ name: `epi${i}`, code: gemmKernelC(`epi${i}`, dtype, epi) });
        return { node, first };
      });
      const flags = [...DEFAULT_FLAGS, ...(parMin ? [`-DHYP_GEMM_PAR_MIN=${parMin}`] : [])];
      const { exports: addon } = await buildAddon<AddonExports>(addonSource(kernels), resolveBuildOptions({ cacheDir: testCacheDir(), flags }));
      addon.setThreads(2);
      const tol = dtype === 'float32' ? 1e-4 : 1e-12;
      const failures = cases.map((c, i) => {
        const { node, first } = plans[i]!;
        const args = c.shapes.map((s, j) => randomArray(s, dtype, 100 * i + j));
        const want = node.op.perform(args, node)[0]!;
        const got = runProductEpilogue(node, args, (shape) => { const o = NDArray.zeros(dtype, shape); o.data.fill(NaN); return o; },
          (part, buffers, params) => addon.run(first + (part === 'product' ? 0 : 1), buffers, params));
        const d = compareArrays(want, got, tol, tol);
        return d && `${c.name}: ${d}`;
      }).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }

  it('names the operand that does not broadcast into the product, and the line', () => {
    const [x, w, b] = [tensor('float32', [null, null], 'x'), tensor('float32', [null, null], 'w'), tensor('float32', [null], 'b')];
    const op = new ProductEpilogue(new Dot(), 2, S.add(input(0, 'float32'), input(1, 'float32')), ['float32', 'float32'], 0, ['add']);
    const node = op.apply([x, w, b]);
    const args = [randomArray([2, 3], 'float32', 1), randomArray([3, 4], 'float32', 2), randomArray([5], 'float32', 3)];
    expect(() => runProductEpilogue(node, args, (shape) => NDArray.zeros('float32', shape), () => { throw new Error('no launch expected'); }))
      .toThrow(/product_epilogue: at run time epilogue operand 0 of shape \[5\].*\[2, 4\].*native-products\.test\.ts/s);
  });
});
