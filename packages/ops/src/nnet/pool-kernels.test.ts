import { describe, expect, it } from 'vitest';
import { NDArray, mulberry32, runProgramJS, tensor, type Apply, type DType, type Variable } from '@hypatia/core';
import { kernelsAgainstPerform } from '../testing/kernel-checks.js';
import { maxPool2d } from './max-pool2d.js';
import { maxPool2dGrad } from './max-pool2d-grad.js';
import { maxPool2dGradGrad } from './max-pool2d-grad-grad.js';
import { avgPool2d } from './avg-pool2d.js';
import { avgPool2dGrad } from './avg-pool2d-grad.js';
import { axisWindows, poolOut, resolvePoolOptions, windowsContaining, windowsPerPosition, type Pool2dOptions, type PoolParams } from './pool-geometry.js';

/** Few distinct values (ties), with `nans` some NaNs and signed zeros; gradients get fractions that round in float32. */
function values(shape: readonly number[], dtype: DType, seed: number, kind: 'ties' | 'nans' | 'fractions'): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) {
    const u = r();
    a.data[i] = kind === 'fractions' ? r() * 2 - 1 : kind === 'nans' && u < 0.08 ? NaN : kind === 'nans' && u < 0.16 ? -0 : Math.floor(r() * 5) - 2;
  }
  return a;
}

/** The node's kernels (JavaScript printer) against its perform, bit for bit. */
function expectKernelsMatchPerform(v: Variable, args: readonly NDArray[]): void {
  expect(kernelsAgainstPerform(v, args).diff).toBeNull();
}

const options: Pool2dOptions[] = [
  { window: [2, 2] }, { window: [3, 3] }, { window: [1, 1] }, { window: [2, 2], stride: [3, 3] }, { window: [2, 1], stride: [2, 4] },
  { window: [3, 2], stride: [1, 1] }, { window: [2, 3], ignoreBorder: false }, { window: [3, 3], stride: [2, 2], padding: [1, 1] },
  { window: [4, 3], stride: [1, 2], padding: [2, 1] }, { window: [3, 3], stride: [2, 1], ignoreBorder: false },
];
const shapes = [[2, 3, 7, 9], [8, 6], [1, 1, 5, 4]];

describe('pooling kernels agree with perform bit for bit', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(`max pooling and its gradients, ${dtype}: ties, NaNs, signed zeros, clipped and padded windows`, () => {
      for (const o of options) {
        const p = resolvePoolOptions(o, 'max_pool2d');
        for (const [s, shape] of shapes.entries()) {
          const x = tensor(dtype, shape.map(() => null), 'x');
          const y = maxPool2d(x, o);
          const pooled = [...shape.slice(0, -2), poolOut(p, 0, shape[shape.length - 2]!), poolOut(p, 1, shape[shape.length - 1]!)];
          for (const kind of ['ties', 'nans'] as const) {
            const xv = values(shape, dtype, 3 + s, kind);
            expectKernelsMatchPerform(y, [xv]);
            expectKernelsMatchPerform(maxPool2dGrad(x, tensor(dtype, pooled.map(() => null)), p), [xv, values(pooled, dtype, 7, 'fractions')]);
            expectKernelsMatchPerform(maxPool2dGradGrad(x, tensor(dtype, shape.map(() => null)), p), [xv, values(shape, dtype, 8, 'fractions')]);
          }
        }
      }
    });

    it(`average pooling and its gradient, ${dtype}: excluding and including padding`, () => {
      for (const o of options) for (const includePad of [false, true]) {
        const p = { ...resolvePoolOptions(o, 'avg_pool2d'), includePad };
        for (const [s, shape] of shapes.entries()) {
          const x = tensor(dtype, shape.map(() => null), 'x');
          const pooled = [...shape.slice(0, -2), poolOut(p, 0, shape[shape.length - 2]!), poolOut(p, 1, shape[shape.length - 1]!)];
          const xv = values(shape, dtype, 11 + s, 'fractions');
          expectKernelsMatchPerform(avgPool2d(x, { ...o, includePad }), [xv]);
          expectKernelsMatchPerform(avgPool2dGrad(tensor(dtype, pooled.map(() => null)), x, p), [values(pooled, dtype, 13, 'fractions'), xv]);
        }
      }
    });
  }

  it('an empty image with padding has empty windows: max pools to NaN, average to NaN (0 with includePad), second order to 0', () => {
    const o: Pool2dOptions = { window: [2, 2], padding: [1, 1] };
    const p = resolvePoolOptions(o, 'max_pool2d');
    const x = tensor('float32', [null, null], 'x');
    const xv = NDArray.zeros('float32', [0, 3]);
    const y = maxPool2d(x, o);
    expect(y.owner!.op.perform([xv], y.owner!)[0]!.shape).toEqual([1, 2]);
    expectKernelsMatchPerform(y, [xv]);
    expectKernelsMatchPerform(maxPool2dGradGrad(x, tensor('float32', [null, null]), p), [xv, NDArray.zeros('float32', [0, 3])]);
    expectKernelsMatchPerform(maxPool2dGrad(x, tensor('float32', [null, null]), p), [xv, NDArray.from([[1, 2]], 'float32')]);
    for (const includePad of [false, true]) expectKernelsMatchPerform(avgPool2d(x, { ...o, includePad }), [xv]);
  });
});

describe('pooling plans make perform\'s checks', () => {
  const p = resolvePoolOptions({ window: [2, 2] }, 'max_pool2d');
  const x = tensor('float32', [null, null], 'x');

  it('an output gradient of the wrong shape', () => {
    const g = maxPool2dGrad(x, tensor('float32', [null, null]), p);
    const args = [NDArray.zeros('float32', [4, 4]), NDArray.zeros('float32', [2, 3])];
    const node = g.owner!;
    expect(() => node.op.perform(args, node)).toThrow(/output gradient has shape \[2, 3\] but the pooled output is \[2, 2\]/);
    expect(() => runProgramJS(node, node.op.kernels!(node)!, args)).toThrow(/output gradient has shape \[2, 3\] but the pooled output is \[2, 2\]/);
  });

  it('max_pool2d_grad_grad\'s h must have x\'s shape', () => {
    const g = maxPool2dGradGrad(x, tensor('float32', [null, null]), p);
    const args = [NDArray.zeros('float32', [4, 4]), NDArray.zeros('float32', [4, 2])];
    const node = g.owner!;
    expect(() => node.op.perform(args, node)).toThrow(/max_pool2d_grad_grad: at run time the operand h has shape \[4, 2\] but the input x has \[4, 4\]/);
    expect(() => runProgramJS(node, node.op.kernels!(node)!, args)).toThrow(/operand h has shape \[4, 2\]/);
  });
});

describe('pool geometry', () => {
  it('windowsContaining gives exactly the windows whose bounds hold a position, at most windowsPerPosition of them', () => {
    for (const o of options) {
      const p: PoolParams = resolvePoolOptions(o, 'max_pool2d');
      for (const axis of [0, 1] as const) {
        for (let n = 0; n < 12; n++) {
          const w = axisWindows(p, axis, n);
          const ax = { n, out: poolOut(p, axis, n), window: p.window[axis], stride: p.stride[axis], pad: p.padding[axis] };
          for (let q = 0; q < n; q++) {
            const want = Array.from(w.lo).map((lo, a) => a).filter((a) => w.lo[a]! <= q && q < w.hi[a]!);
            const { first, end } = windowsContaining(q, ax);
            const got: number[] = [];
            for (let a = (first as { v: number }).v; a < (end as { v: number }).v; a++) got.push(a);
            expect(got, `${JSON.stringify(o)} axis ${axis}, n ${n}, q ${q}`).toEqual(want);
            expect(got.length).toBeLessThanOrEqual(windowsPerPosition(p, axis));
          }
        }
      }
    }
  });
});
