import { describe, expect, it } from 'vitest';
import { Constant, ElemwiseSum, NDArray, broadcastRuntime, broadcastStrides, compile, tensor, typedArrayFor, type DType, type Variable } from '@hypatia/core';
import { add, cast, exp, gt, mul, square, sub, sum } from '@hypatia/ops';
import { ReferenceBackend } from '../../reference/reference-backend.js';
import { addonSource, type AddonExports } from '../addon-source.js';
import { buildAddon, probeCompiler, resolveBuildOptions } from '../build-addon.js';
import { testCacheDir } from '../testing/test-cache-dir.js';
import { elemwiseSumKernelC, elemwiseSumParams } from './fold-c.js';

/** Deterministic values in [-2, 2) (integers in [-50, 50) for int32), some exactly 0. */
function values(dtype: DType, shape: readonly number[], seed: number): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) {
    const s = Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453;
    const u = s - Math.floor(s);
    data[i] = dtype === 'int32' ? Math.floor(u * 100) - 50 : i % 7 === 3 ? 0 : 4 * u - 2;
  }
  return new NDArray(dtype, [...shape], data);
}

interface Case {
  what: string;
  inputs: { dtype: DType; shape: (number | null)[] }[];
  /** The summed formula, built from the inputs. */
  body: (...xs: Variable[]) => Variable;
  axes: number[] | undefined;
  keepdims?: boolean;
  /** Run-time shapes of the inputs. */
  shapes: number[][];
}

const f32 = (shape: (number | null)[]) => ({ dtype: 'float32' as const, shape });
const CASES: Case[] = [
  { what: 'sum of squares of a matrix (all axes, one output, parallel chunks)', inputs: [f32([null, null])], body: (w) => square(w), axes: undefined, shapes: [[300, 257]] },
  { what: 'row sums of a product (innermost axis reduced)', inputs: [f32([null, null]), f32([null, null])], body: (a, b) => mul(a, b), axes: [1], shapes: [[13, 37], [13, 37]] },
  { what: 'column sums with a broadcast row (innermost axis kept)', inputs: [f32([null, null]), f32([1, null])], body: (a, b) => exp(sub(a, b)), axes: [0], keepdims: true, shapes: [[29, 600], [1, 600]] },
  { what: 'middle axis of a rank-3 tensor, broadcast column', inputs: [f32([null, null, null]), f32([null, 1, 1])], body: (a, b) => add(mul(a, a), b), axes: [1], shapes: [[3, 5, 7], [3, 1, 1]] },
  { what: 'two outer axes of a rank-3 tensor', inputs: [f32([null, null, null])], body: (a) => mul(a, 3), axes: [0, 1], shapes: [[4, 6, 9]] },
  { what: 'float64', inputs: [{ dtype: 'float64', shape: [null, null] }], body: (a) => mul(a, a), axes: [0], shapes: [[50, 3]] },
  { what: 'int32 products (wrapping sum)', inputs: [{ dtype: 'int32', shape: [null] }, { dtype: 'int32', shape: [null] }], body: (a, b) => mul(mul(a, b), 1000), axes: [0], shapes: [[2000], [2000]] },
  { what: 'a count of a bool formula (int32 result)', inputs: [f32([null, null])], body: (a) => gt(a, 0.5), axes: [1], shapes: [[6, 40]] },
  { what: 'float32 formula of a cast, large single reduction', inputs: [{ dtype: 'int32', shape: [null] }], body: (a) => cast(square(a), 'float32'), axes: [0], shapes: [[40000]] },
  { what: 'length-1 axes', inputs: [f32([null, null, null])], body: (a) => square(a), axes: [0, 2], shapes: [[1, 4, 1]] },
  { what: 'an empty reduced axis (zeros)', inputs: [f32([null, null])], body: (a) => square(a), axes: [1], shapes: [[3, 0]] },
  { what: 'an empty reduced outer axis, inner kept (zeros)', inputs: [f32([null, null])], body: (a) => square(a), axes: [0], shapes: [[0, 5]] },
  { what: 'no outputs', inputs: [f32([null, null])], body: (a) => square(a), axes: [1], shapes: [[0, 5]] },
];

const cc = resolveBuildOptions({ cacheDir: testCacheDir() });
const noCompiler = probeCompiler(cc.cc);

describe.skipIf(noCompiler !== null && process.env.CI !== 'true')('elemwiseSumKernelC (one pass, no scratch buffer)', () => {
  it('equals the reference formula-then-sum on every case', async () => {
    const prepared = await Promise.all(CASES.map(async (c, k) => {
      const xs = c.inputs.map((t, i) => tensor(t.dtype, t.shape, `x${i}`));
      const out = sum(c.body(...xs), c.axes, c.keepdims ?? false);
      const fn = await compile({ inputs: xs, outputs: out, backend: new ReferenceBackend(), rewrites: { include: ['reduction_fusion'], exclude: ['constant_folding'] } });
      const node = fn.graph.nodes.find((n) => n.op instanceof ElemwiseSum);
      expect(node, `${c.what}: the sum is fused`).toBeDefined();
      const op = node!.op as ElemwiseSum;
      const args = c.shapes.map((s, i) => values(c.inputs[i]!.dtype, s, k * 10 + i + 1));
      // The fused node's operands: the inputs, or constants the fusion left as operands.
      const operands = node!.inputs.map((v) => (v instanceof Constant ? v.value : args[fn.graph.inputs.indexOf(v)]!));
      return { c, op, args: operands, want: await fn(...args), name: `hyp_esum${k}` };
    }));
    const source = addonSource(prepared.map((p) => ({ name: p.name, code: elemwiseSumKernelC(p.name, p.op.formula, p.op.inputDtypes, p.op.outDtype) })));
    const { exports: addon } = await buildAddon<AddonExports>(source, cc);
    prepared.forEach(({ c, op, args, want }, k) => {
      const shape = broadcastRuntime(args.map((a) => a.shape)) as number[];
      const params = elemwiseSumParams(shape, op.axes, args.map((a) => broadcastStrides(a.shape, shape)));
      const got = new NDArray(op.outDtype, want.shape, typedArrayFor(op.outDtype, want.size));
      addon.run(k, [...args.map((a) => a.data), got.data], params);
      expect(got.dtype, c.what).toBe(want.dtype);
      const tol = op.outDtype === 'float32' ? 1e-5 : op.outDtype === 'float64' ? 1e-12 : 0;
      Array.from(want.data).forEach((w, i) => {
        expect(Math.abs(Number(got.data[i]) - Number(w)), `${c.what} [${i}]: ${got.data[i]} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(Number(w))));
      });
    });
  });

  it('lays out parameters with length-1 axes dropped and contiguous axes of one kind merged', () => {
    // [2, 3, 4] summing axis 2: kept [2,3] merge into 6, reduced [4]; mode 0.
    expect(Array.from(elemwiseSumParams([2, 3, 4], [2], [[12, 4, 1]]))).toEqual([0, 6, 1, 6, 4, 1, 4, 1]);
    // A broadcast row [1, 5] against [3, 5], summing axis 0: the kept axis is innermost (mode 1).
    expect(Array.from(elemwiseSumParams([3, 5], [0], [[5, 1], [0, 1]]))).toEqual([1, 5, 1, 5, 1, 1, 1, 3, 5, 0]);
    // Nothing longer than 1: one output over one element.
    expect(Array.from(elemwiseSumParams([1, 1], [0, 1], [[1, 1]]))).toEqual([0, 1, 0, 1, 1, 0]);
  });
});
