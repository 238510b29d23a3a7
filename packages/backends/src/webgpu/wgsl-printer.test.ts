/// <reference types="@webgpu/types" />
import { afterAll, describe, expect, it } from 'vitest';
import { E, I, KernelBuilder, NDArray, compileKernelJS, type DType, type Kernel, type TypedArray } from '@hypatia/core';
import { getDevice } from './device.js';
import { download } from './buffers.js';
import { dispatch1d, pipeline } from './lowering.js';
import { WORKGROUP, setWorkgroupGridLimit } from './kernels.js';
import { pointCount } from './ir-step.js';
import { kernelToWGSL } from './wgsl-printer.js';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';
import { broadcastMapKernel, filled, gatherKernel, rowSoftmaxKernel, scatterAddKernel } from '../testing/printer-kernels.js';

/**
 * Printed WGSL against the JavaScript printer (the IR's semantics): each kernel runs on the GPU
 * with its buffers uploaded and read back, and must leave them as the JavaScript kernel does and
 * raise its error flag exactly when that one fails.
 */
async function runWGSL(k: Kernel, buffers: readonly TypedArray[], params: readonly number[]): Promise<{ out: TypedArray[]; failed: boolean }> {
  const device = await getDevice();
  const printed = kernelToWGSL(k);
  const pipe = await pipeline(device, printed.code);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const upload = (data: ArrayBufferView & { byteLength: number }) => {
    const b = device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 4) * 4), usage });
    device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  };
  const n = pointCount(k, params);
  const bufs = buffers.map((b, i) => upload(k.buffers[i]!.dtype === 'bool' ? Uint32Array.from(b) : k.buffers[i]!.dtype === 'float64' ? Float32Array.from(b) : b));
  const flag = upload(Uint32Array.of(0));
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  dispatch1d(device, pass, pipe, [upload(Int32Array.from([...params, n])), ...bufs, ...(printed.checks ? [flag] : [])], printed.sequential ? 1 : Math.ceil(n / WORKGROUP));
  pass.end();
  device.queue.submit([enc.finish()]);
  const tensors = [...bufs, flag].map((buffer, i) => {
    const dtype: DType = i < bufs.length ? k.buffers[i]!.dtype : 'int32';
    const size = i < bufs.length ? buffers[i]!.length : 1;
    return { buffer, dtype, shape: [size], size };
  });
  const read = await download(device, tensors);
  return { out: read.slice(0, -1).map((a: NDArray) => a.data), failed: read[read.length - 1]!.data[0] !== 0 };
}

async function agree(k: Kernel, make: () => TypedArray[], params: number[], rtol = 0): Promise<TypedArray[]> {
  const js = make();
  const failed = compileKernelJS(k)(js, params);
  const gpu = await runWGSL(k, make(), params);
  expect(gpu.failed, 'error flag').toBe(failed);
  js.forEach((b, i) => {
    Array.from(b).forEach((v, j) => {
      const got = gpu.out[i]![j]!;
      if (Number.isNaN(v)) expect(got, `buffer ${i} element ${j}`).toBeNaN();
      else if (rtol === 0) expect(got, `buffer ${i} element ${j}`).toBe(v);
      else expect(Math.abs(got - v), `buffer ${i} element ${j}: ${got} vs ${v}`).toBeLessThanOrEqual(rtol * Math.abs(v) + 1e-30);
    });
  });
  return gpu.out;
}

describe.runIf(gpuAvailable)('the WGSL printer', () => {
  afterAll(releaseDevice);

  it('a broadcasting map over a rank-3 space with transposed reads, more points than one workgroup', async () => {
    const [A, B, C] = [3, 7, 11];
    await agree(broadcastMapKernel(), () => [filled('float32', A * B * C, (q) => Math.sin(q) * 3), filled('float32', C, (q) => q / 10), new Float32Array(A * B * C)], [A, B, C, 1, A * C, A], 1e-5);
  });

  it('a row softmax whose max and sum are reductions of each point, accumulated in f32 for float64', async () => {
    await agree(rowSoftmaxKernel(), () => [filled('float32', 5 * 9, (q) => (q % 7) - 3 + (q === 20 ? 1000 : 0)), new Float32Array(45)], [5, 9], 1e-6);
  });

  it('argmax and argmin: the first extreme wins and a NaN beats every number; an int32 max starts below every value', async () => {
    const k = new KernelBuilder('args');
    const x = k.input('float32');
    const n = k.input('int32');
    const am = k.output('int32');
    const an = k.output('int32');
    const mx = k.output('int32');
    const [rows, cols] = k.params(2);
    const [r] = k.space(rows!);
    const at = (q: ReturnType<typeof I.lit>) => I.add(I.mul(r!, cols!), q);
    k.store(am, r!, k.reduce('argmax', [cols!], ([q]) => x.at(at(q!))));
    k.store(an, r!, k.reduce('argmin', [cols!], ([q]) => x.at(at(q!))));
    k.store(mx, r!, k.reduce('max', [cols!], ([q]) => n.at(at(q!))));
    const xs = [1, 3, 3, 0, NaN, 5, NaN, 2, NaN, -2, -2, 7];
    const ns = [-5, -9, -7, -3, -3, -8, 4, -1, 0, -2147483647, -2147483648, -2147483000];
    await agree(k.build(), () => [Float32Array.from(xs), Int32Array.from(ns), new Int32Array(4), new Int32Array(4), new Int32Array(4)], [4, 3]);
  });

  it('a failed check skips the rest of its point and raises the flag; negative indices wrap; the other points run', async () => {
    const kernel = gatherKernel();
    expect(kernelToWGSL(kernel).checks).toBe(true);
    await agree(kernel, () => [Float32Array.of(10, 20), Int32Array.of(-1, 2, 0, -3, 1), new Float32Array(5).fill(7)], [2, 5]);
    await agree(kernel, () => [Float32Array.of(10, 20), Int32Array.of(-1, 1, 0, -2, 1), new Float32Array(5).fill(7)], [2, 5]);
  });

  it('a sequential kernel accumulates into colliding targets in order, in one invocation', async () => {
    const kernel = scatterAddKernel('float32');
    expect(kernelToWGSL(kernel).sequential).toBe(true);
    const got = await agree(kernel, () => [filled('float32', 200, (q) => q), filled('int32', 200, (q) => (q * 7) % 3), Float32Array.of(1, 1, 1)], [200]);
    expect(Array.from(got[2]!)).toEqual([1 + 6633, 1 + 6700, 1 + 6567]);
  });

  it('windows clipped at the borders (ranges depending on the point), lets, bool buffers, selects and trunc', async () => {
    const k = new KernelBuilder('windows');
    const xs = k.input('float32');
    const keep = k.input('bool');
    const ys = k.output('float32');
    const flags = k.output('bool');
    const [len, size] = k.params(2);
    const [p] = k.space(len!);
    const w = k.reduce('sum', [[I.max(I.sub(p!, I.sub(size!, 1)), 0), I.add(p!, 1)]], ([q]) => xs.at(q!));
    const half = k.let(E.mul(xs.at(p!), E.c(0.5, 'float32')));
    // An index computed from a value: floor(|x| / 2) clamped into range.
    const at = I.min(I.trunc(E.call('abs', [half])), I.sub(len!, 1));
    k.store(ys, p!, E.select(E.call('cast', [keep.at(p!)], 'bool'), E.add(w, xs.at(at)), E.c(-1, 'float32')));
    k.store(flags, p!, E.index(I.sel(I.lt(p!, 3), I.eq(I.mod(p!, 2), 0), I.ne(p!, 4)), 'bool'));
    await agree(k.build(), () => [filled('float32', 9, (q) => q * 1.5 - 3), filled('bool', 9, (q) => (q % 3 ? 1 : 0)), new Float32Array(9), new Uint8Array(9)], [9, 3], 1e-6);
  });

  it('a scalar space (rank 0) is one point, an empty space runs none', async () => {
    const k = new KernelBuilder('total');
    const x = k.input('float32');
    const y = k.output('float32');
    const [n] = k.params(1);
    k.space();
    k.store(y, 0, k.reduce('sum', [n!], ([q]) => x.at(q!)));
    await agree(k.build(), () => [filled('float32', 100, (q) => q / 3), new Float32Array(1)], [100], 1e-6);
    expect(pointCount(k.build(), [100])).toBe(1);

    const e = new KernelBuilder('none');
    const o = e.output('int32');
    const [m] = e.params(1);
    const [i] = e.space(m!, 4);
    e.store(o, i!, E.c(1, 'int32'));
    expect(pointCount(e.build(), [0])).toBe(0);
    expect(pointCount(e.build(), [-3])).toBe(0);
  });

  it('grids wrap into y past the per-dimension workgroup limit', async () => {
    const undo = setWorkgroupGridLimit(3);
    try {
      const k = new KernelBuilder('iota');
      const o = k.output('int32');
      const [n] = k.params(1);
      const [i] = k.space(n!);
      k.store(o, i!, E.index(I.mul(i!, 3), 'int32'));
      await agree(k.build(), () => [new Int32Array(WORKGROUP * 7 + 5)], [WORKGROUP * 7 + 5]);
    } finally {
      undo();
    }
  });

  it('a float64 buffer (a plan\'s scratch) is an f32 array', async () => {
    const k = new KernelBuilder('f64_scratch');
    const x = k.input('float32');
    const acc = k.buffer('float64', 'readwrite');
    const [i] = k.space(k.param());
    k.store(acc, i!, E.add(acc.at(i!), E.cast(x.at(i!), 'float64')));
    const kernel = k.build();
    expect(kernelToWGSL(kernel).code).toMatch(/var<storage, read_write> b1: array<f32>;/);
    await agree(kernel, () => [Float32Array.of(1.5, -2, 3), Float64Array.of(0.25, 1, 2)], [3]);
  });
});
