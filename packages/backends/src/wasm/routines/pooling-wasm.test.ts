import { describe, expect, it } from 'vitest';
import { NDArray, tensor, type Apply } from '@hypatia/core';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad, type Pool2dOptions } from '@hypatia/ops';
import { poolImages, poolOut, resolvePoolOptions } from '@hypatia/ops/backend';
import { encodeModule } from '../wasm-encoder.js';
import { writeLaunchRecord } from '../launch-record.js';
import { poolingCovers, poolingRoutine, poolingSignature, type PoolKind } from './pooling-wasm.js';

type Float = 'float32' | 'float64';

/** Runs a pooling routine alone on host arrays; the output starts as NaN garbage, so every element must be written. */
function runRoutine(kind: PoolKind, dtype: Float, inputs: readonly NDArray[], outShape: readonly number[], params: readonly number[]): NDArray {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const bytes = encodeModule({ memory: { module: 'env', name: 'memory', minPages: 1, maxPages: 65536 }, imports: [], functions: [poolingRoutine(kind, dtype, 'pool')] });
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.pool as (r: number) => number;
  const T = dtype === 'float32' ? Float32Array : Float64Array;
  const out = new T(outShape.reduce((a, b) => a * b, 1));
  const need = 64 + inputs.reduce((s, x) => s + x.data.byteLength + 64, 0) + out.byteLength + 256;
  memory.grow(Math.ceil(need / 65536));
  let at = 64;
  // Odd element offsets, so the SIMD loads and stores are unaligned as they may be in a plan.
  const place = (n: number) => { const a = at + 4 * (dtype === 'float32' ? 1 : 2); at = a + Math.ceil(n / 16) * 16 + 16; return a; };
  const addresses = inputs.map((x) => {
    const a = place(x.data.byteLength);
    new Uint8Array(memory.buffer).set(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength), a);
    return a;
  });
  const o = place(out.byteLength);
  new T(memory.buffer, o, out.length).fill(NaN);
  // Past the output: must stay untouched.
  new Uint8Array(memory.buffer, o + out.byteLength, 16).fill(0xab);
  const rec = place(256);
  writeLaunchRecord(memory.buffer, rec, poolingSignature(kind, dtype), params, [...addresses, o]);
  expect(run(rec)).toBe(0);
  expect([...new Uint8Array(memory.buffer, o + out.byteLength, 16)].every((b) => b === 0xab)).toBe(true);
  out.set(new T(memory.buffer, o, out.length));
  return new NDArray(dtype, outShape, out);
}

/** Element i of a and b have the same bits (NaNs: both NaN, as the engine may quiet them). */
function expectSameBits(got: NDArray, want: NDArray, what: string): void {
  expect(got.shape).toEqual(want.shape);
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i] as number, w = want.data[i] as number;
    if (Number.isNaN(w) ? !Number.isNaN(g) : !Object.is(g, w)) expect.fail(`${what}: element ${i} is ${Object.is(g, -0) ? '-0' : g}, expected ${Object.is(w, -0) ? '-0' : w}`);
  }
}

/**
 * Test values: few distinct ones so windows tie often, with -0 and +0, NaN (first in a window and
 * later), infinities and values of the dtype's full precision.
 */
function values(n: number, salt: number, dtype: Float): NDArray {
  const T = dtype === 'float32' ? Float32Array : Float64Array;
  const special = [0, -0, NaN, Infinity, -Infinity, 1, -1, 1 / 3];
  const data = new T(n);
  let s = salt * 7919 + 17;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const r = s / 2147483648;
    data[i] = r < 0.3 ? special[Math.floor(r * 100) % special.length]! : r < 0.6 ? Math.floor(r * 10) - 5 : Math.sin(i + salt) * 3;
  }
  return new NDArray(dtype, [n], data);
}

const reshape = (x: NDArray, shape: readonly number[]) => new NDArray(x.dtype, shape, x.data);
const perform = (node: Apply, ins: NDArray[]) => node.op.perform(ins, node)[0]!;

const shapes: number[][] = [[1, 1, 2, 2], [2, 3, 24, 24], [3, 8, 8], [1, 1, 5, 7], [2, 9, 9], [1, 2, 4, 18], [1, 1, 3, 34], [2, 1, 1], [0, 4, 4], [2, 6, 0]];
const geometries: Pool2dOptions[] = [
  { window: [2, 2] },
  { window: [3, 3] },
  { window: [2, 3], stride: [3, 4] },
  { window: [1, 1] },
  { window: [3, 2], stride: [1, 2] },
  { window: [2, 2], stride: [1, 1] },
];

describe('the WebAssembly pooling routines', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const kind of ['max', 'max_grad', 'avg', 'avg_grad'] as const) {
      it(`${kind}_pool ${dtype}: the reference's bits over shapes, geometries, ties, NaN, -0 and infinities`, () => {
        let covered = 0;
        for (const shape of shapes) {
          for (const opts of geometries) {
            const grad = kind.endsWith('grad');
            const params = resolvePoolOptions(opts, 'pool');
            if (!poolingCovers(params, grad)) continue;
            covered++;
            const { m, h, w } = poolImages(shape);
            const oh = poolOut(params, 0, h), ow = poolOut(params, 1, w);
            const pooled = [...shape.slice(0, -2), oh, ow];
            const n = shape.reduce((a, b) => a * b, 1), pn = pooled.reduce((a, b) => a * b, 1);
            const x = reshape(values(n, shape.length + n, dtype), shape);
            const gy = reshape(values(pn, pn + 3, dtype), pooled);
            const xv = tensor(dtype, shape), gv = tensor(dtype, pooled);
            const launch = [m, h, w, oh, ow, ...params.window, ...params.stride];
            const what = `[${shape}] ${JSON.stringify(opts)}`;
            if (kind === 'max') expectSameBits(runRoutine(kind, dtype, [x], pooled, launch), perform(maxPool2d(xv, opts).owner!, [x]), what);
            if (kind === 'avg') expectSameBits(runRoutine(kind, dtype, [x], pooled, launch), perform(avgPool2d(xv, opts).owner!, [x]), what);
            if (kind === 'max_grad') expectSameBits(runRoutine(kind, dtype, [x, gy], shape, launch), perform(maxPool2dGrad(xv, gv, params).owner!, [x, gy]), what);
            if (kind === 'avg_grad') expectSameBits(runRoutine(kind, dtype, [gy], shape, launch), perform(avgPool2dGrad(gv, xv, { ...params, includePad: false }).owner!, [gy, x]), what);
          }
        }
        expect(covered).toBeGreaterThan(30);
      });
    }
  }

  it('max pooling keeps the first of tied maxima and a NaN only where it comes first (2x2 windows in lanes and one at a time)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      // Ten windows in a row: a 2x20 image, so float32 runs two groups of four in lanes and two alone.
      const windows = [[-0, 0, 0, -0], [0, -0, -0, 0], [NaN, 5, 6, 7], [1, NaN, 2, NaN], [3, 3, 3, 3], [-Infinity, -Infinity, -Infinity, -Infinity], [1, 2, 2, 1], [NaN, NaN, NaN, NaN], [-1, -0, 0, -0], [2, Infinity, NaN, Infinity]];
      const W = windows.length * 2;
      const T = dtype === 'float32' ? Float32Array : Float64Array;
      const x = new T(2 * W);
      windows.forEach(([a, b, c, d], i) => { x[2 * i] = a!; x[2 * i + 1] = b!; x[W + 2 * i] = c!; x[W + 2 * i + 1] = d!; });
      const gy = T.from(windows.map((_, i) => (i % 2 ? -0 : i - 4)));
      const X = new NDArray(dtype, [2, W], x), GY = new NDArray(dtype, [1, windows.length], gy);
      const launch = [1, 2, W, 1, windows.length, 2, 2, 2, 2];
      const y = runRoutine('max', dtype, [X], [1, windows.length], launch);
      expect([...y.data].map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(['-0', '0', 'NaN', '2', '3', '-Infinity', '2', 'NaN', '-0', 'Infinity']);
      const gx = runRoutine('max_grad', dtype, [X, GY], [2, W], launch);
      const params = resolvePoolOptions({ window: [2, 2] }, 'pool');
      expectSameBits(gx, perform(maxPool2dGrad(tensor(dtype, [2, W]), tensor(dtype, [1, windows.length]), params).owner!, [X, GY]), dtype);
      // gy of -0 reaches its winner as +0 (0 + gy), as the reference's sum from 0 gives.
      expect(Object.is(gx.data[2], 0)).toBe(true);
    }
  });

  it('declines what the IR kernels must run: padding, border windows kept, and overlapping windows for a gradient', () => {
    const p = (o: Pool2dOptions) => resolvePoolOptions(o, 'pool');
    expect(poolingCovers(p({ window: [2, 2] }), true)).toBe(true);
    expect(poolingCovers(p({ window: [3, 3], stride: [1, 1] }), false)).toBe(true);
    expect(poolingCovers(p({ window: [3, 3], stride: [1, 1] }), true)).toBe(false);
    expect(poolingCovers(p({ window: [3, 3], stride: [2, 2], padding: [1, 1] }), false)).toBe(false);
    expect(poolingCovers(p({ window: [2, 2], ignoreBorder: false }), false)).toBe(false);
  });
});
