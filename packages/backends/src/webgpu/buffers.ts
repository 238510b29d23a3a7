/// <reference types="@webgpu/types" />
import { NDArray, typedArrayFor, type DType } from '@hypatia/core';

/** A tensor living in a GPU buffer. bool is stored as u32, everything else in its own 4-byte type. */
export interface GpuTensor {
  buffer: GPUBuffer;
  dtype: DType;
  shape: number[];
  size: number;
  /**
   * The value on the host, when it is known there without reading the GPU: explicit inputs,
   * constants and the small int32 results evaluated on the host (see host-eval.ts). Lowerings
   * read index bounds and lengths from here; `buffer` is then uploaded only if a kernel reads it.
   */
  host?: NDArray;
}

/** A tensor known on the host whose GPU buffer is created and written the first time `buffer` is read. */
export function hostTensor(a: NDArray, upload: (a: NDArray) => GPUBuffer): GpuTensor {
  let buffer: GPUBuffer | undefined;
  return {
    dtype: a.dtype,
    shape: [...a.shape],
    size: a.size,
    host: a,
    get buffer() {
      buffer ??= upload(a);
      return buffer;
    },
  };
}

// Read lazily: the GPU globals exist only once a device has been found.
const usage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Buffers are recycled by byte size across nodes and calls, so a training loop allocates nothing after its first step. */
export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  allocated = 0;
  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const list = this.free.get(size);
    const b = list?.pop();
    if (b) return b;
    this.allocated += size;
    return this.device.createBuffer({ size, usage: usage() });
  }

  /**
   * Keep `b` out of the free lists until as many unhold() calls: a call whose run-time checks are
   * read after it returns keeps the checked node's inputs, in case they must be read back to raise
   * its error, even when their owner releases them meanwhile.
   */
  hold(b: GPUBuffer): void {
    const h = this.held.get(b);
    if (h) h.count++; else this.held.set(b, { count: 1, released: false });
  }

  unhold(b: GPUBuffer): void {
    const h = this.held.get(b);
    if (!h || --h.count > 0) return;
    this.held.delete(b);
    if (h.released) this.release(b);
  }
  private held = new Map<GPUBuffer, { count: number; released: boolean }>();

  release(b: GPUBuffer): void {
    const h = this.held.get(b);
    if (h) { h.released = true; return; }
    const list = this.free.get(b.size);
    if (list) list.push(b); else this.free.set(b.size, [b]);
  }

  tensor(dtype: DType, shape: number[]): GpuTensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return { buffer: this.acquire(size * 4), dtype, shape, size };
  }

  upload(a: NDArray): GpuTensor {
    const t = this.tensor(a.dtype, [...a.shape]);
    const data = a.dtype === 'bool' ? Uint32Array.from(a.data) : a.data;
    if (data.byteLength) this.device.queue.writeBuffer(t.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return t;
  }
}

/** Mappable staging buffers for readback, kept per device and size (creating and destroying one per read is slow). */
const staging = new WeakMap<GPUDevice, Map<number, GPUBuffer[]>>();

function stagingBuffer(device: GPUDevice, bytes: number): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  let bySize = staging.get(device);
  if (!bySize) { bySize = new Map(); staging.set(device, bySize); }
  return bySize.get(size)?.pop() ?? device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
}

function returnStaging(device: GPUDevice, b: GPUBuffer): void {
  const bySize = staging.get(device)!;
  const list = bySize.get(b.size);
  if (list) list.push(b); else bySize.set(b.size, [b]);
}

/** Read tensors back with one staging copy each, mapped together. */
export async function download(device: GPUDevice, ts: readonly GpuTensor[]): Promise<NDArray[]> {
  const enc = device.createCommandEncoder();
  const bufs = ts.map((t) => {
    const s = stagingBuffer(device, t.size * 4);
    if (t.size) enc.copyBufferToBuffer(t.buffer, 0, s, 0, t.size * 4);
    return s;
  });
  device.queue.submit([enc.finish()]);
  await Promise.all(bufs.map((s) => s.mapAsync(GPUMapMode.READ)));
  return ts.map((t, i) => {
    const s = bufs[i]!;
    const raw = s.getMappedRange().slice(0, t.size * 4);
    s.unmap();
    returnStaging(device, s);
    const out = typedArrayFor(t.dtype, t.size);
    if (t.dtype === 'bool') out.set(new Uint32Array(raw));
    else out.set(t.dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw));
    return new NDArray(t.dtype, t.shape, out);
  });
}
