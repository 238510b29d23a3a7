import { describe, expect, it } from 'vitest';
import { NDArray, mulberry32, runProgramJS, tensor, type Apply, type DType, type Variable } from '@hypatia/core';
import { kernelsAgainstPerform } from '../testing/kernel-checks.js';
import { conv2d } from './conv2d.js';
import { conv2dGradInput } from './conv2d-grad-input.js';
import { conv2dGradFilters } from './conv2d-grad-filters.js';
import { convGeometry, resolveConvOptions, type Conv2dOptions } from './conv-geometry.js';

function values(shape: readonly number[], dtype: DType, seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

/** The node's kernels (JavaScript printer) against its perform, bit for bit. */
function expectKernelsMatchPerform(v: Variable, args: readonly NDArray[]): void {
  expect(kernelsAgainstPerform(v, args).diff).toBeNull();
}

const open = (dtype: DType, name: string) => tensor(dtype, [null, null, null, null], name);

/** conv2d and both gradients on operands of these shapes, each node's kernels against its perform. */
function checkAll(dtype: DType, o: Conv2dOptions, xs: number[], ws: number[], seed: number, edit?: (x: NDArray, w: NDArray) => void): void {
  const p = resolveConvOptions(o, 'conv2d');
  const [gh, gw] = convGeometry(p, xs[2]!, xs[3]!, ws[2]!, ws[3]!);
  const ys = [xs[0]!, ws[0]!, gh.out, gw.out];
  const x = open(dtype, 'x'), w = open(dtype, 'w'), dy = open(dtype, 'dy');
  const xv = values(xs, dtype, seed), wv = values(ws, dtype, seed + 1), dyv = values(ys, dtype, seed + 2);
  edit?.(xv, wv);
  expectKernelsMatchPerform(conv2d(x, w, o), [xv, wv]);
  expectKernelsMatchPerform(conv2dGradInput(dy, w, x, p), [dyv, wv, xv]);
  expectKernelsMatchPerform(conv2dGradFilters(x, dy, w, p), [xv, dyv, wv]);
}

const geometries: [Conv2dOptions, number[], number[]][] = [
  [{}, [2, 3, 6, 5], [4, 3, 3, 2]],
  [{ padding: 'same', stride: [2, 2] }, [2, 2, 7, 6], [3, 2, 3, 3]],
  [{ padding: 'full' }, [1, 2, 4, 4], [2, 2, 2, 3]],
  [{ padding: [2, 1], stride: [3, 2] }, [2, 3, 9, 8], [2, 3, 4, 3]],
  [{ stride: [3, 3] }, [1, 2, 8, 7], [2, 2, 2, 2]],
  [{ padding: 'same', stride: [1, 2] }, [1, 1, 5, 6], [3, 1, 4, 4]],
  [{}, [2, 1, 12, 12], [4, 1, 5, 5]],
  [{}, [1, 3, 3, 4], [2, 3, 3, 4]],
];

describe('conv2d kernels agree with perform bit for bit', () => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(`${dtype}: padding modes and strides, strides past the kernel`, () => {
      geometries.forEach(([o, xs, ws], g) => checkAll(dtype, o, xs, ws, 10 * g));
    });
  }

  it('an infinite filter value times padding is NaN, as in perform\'s zero-filled columns', () => {
    checkAll('float32', { padding: 'full' }, [1, 2, 4, 4], [2, 2, 2, 3], 5, (x, w) => { w.data[1] = Infinity; x.data[3] = NaN; });
  });

  it('an empty mini-batch, no channels, a long contraction (many channels)', () => {
    checkAll('float32', {}, [0, 2, 7, 8], [4, 2, 3, 2], 1);
    checkAll('float32', {}, [3, 0, 7, 8], [4, 0, 3, 2], 2);
    checkAll('float32', { padding: 'same' }, [2, 40, 5, 5], [3, 40, 3, 3], 3);
  });
});

describe('conv2d plans make perform\'s checks', () => {
  const run = (v: Variable, args: NDArray[]) => {
    const node = v.owner as Apply;
    let fromPerform = '';
    try { node.op.perform(args, node); } catch (e) { fromPerform = (e as Error).message; }
    expect(fromPerform).not.toBe('');
    expect(() => runProgramJS(node, node.op.kernels!(node)!, args)).toThrow(fromPerform);
  };
  const p = resolveConvOptions({}, 'conv2d');
  const x = open('float32', 'x'), w = open('float32', 'w'), dy = open('float32', 'dy');

  it('channels that differ, an input smaller than the filters, an output gradient of the wrong shape', () => {
    run(conv2d(x, w), [NDArray.zeros('float32', [1, 2, 5, 5]), NDArray.zeros('float32', [3, 1, 3, 3])]);
    run(conv2d(x, w), [NDArray.zeros('float32', [1, 1, 2, 5]), NDArray.zeros('float32', [3, 1, 3, 3])]);
    run(conv2dGradInput(dy, w, x, p), [NDArray.zeros('float32', [1, 3, 2, 2]), NDArray.zeros('float32', [3, 1, 3, 3]), NDArray.zeros('float32', [1, 1, 5, 5])]);
    run(conv2dGradFilters(x, dy, w, p), [NDArray.zeros('float32', [1, 1, 5, 5]), NDArray.zeros('float32', [1, 2, 3, 3]), NDArray.zeros('float32', [3, 1, 3, 3])]);
  });
});
