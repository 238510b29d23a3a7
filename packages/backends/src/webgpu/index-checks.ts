/// <reference types="@webgpu/types" />
import { HypatiaError, type Apply, type NDArray } from '@hypatia/core';
import { download, type BufferPool, type GpuTensor } from './buffers.js';
import { WORKGROUP } from './kernels.js';
import { dispatch1d, pipeline, type EncodeContext } from './lowering.js';

/**
 * Out-of-range indices (gather/scatter index arrays, class labels) raise the CPU backends' error
 * instead of being clamped. Indices known on the host are checked there, before anything is
 * encoded. Indices that live on the GPU get a check kernel: every thread holding a bad index
 * takes atomicMin of its position into a small flag buffer, and a one-thread kernel then stores
 * the index found there. The flags come back with the call's outputs; when the caller reads no
 * output, they are read asynchronously and the next call on the device raises the error (see
 * webgpu-backend.ts). No kernel ever waits for a flag.
 */

const NONE = 0xffffffff;

const CHECK_SOURCE = `
@group(0) @binding(0) var<storage, read> params: array<u32>; // [n, len]
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> flag: array<atomic<u32>>; // [first bad position, its index]
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (i >= params[0]) { return; }
  let len = i32(params[1]);
  let v = idx[i];
  if (v < -len || v >= len) { atomicMin(&flag[0], i); }
}`;

// A separate dispatch, so that every atomicMin of the check has landed before the index is read.
const RECORD_SOURCE = `
@group(0) @binding(0) var<storage, read> idx: array<i32>;
@group(0) @binding(1) var<storage, read_write> flag: array<u32>;
@compute @workgroup_size(1)
fn main() {
  let p = flag[0];
  if (p != ${NONE}u) { flag[1] = bitcast<u32>(idx[p]); }
}`;

/** Builds the error for a bad index: its value and its position in the index tensor. */
export type IndexErrorFactory = (value: number, position: number) => HypatiaError;

/** A flag buffer read back after the call, and the error it stands for when set. */
interface Flag {
  tensor: GpuTensor;
  error(flag: NDArray): HypatiaError | null | Promise<HypatiaError | null>;
}

/**
 * The GPU checks recorded by one call, read back after it: index-check kernels (a position and its
 * index), and the error flags of IR kernels' `check` statements, whose error is the op's own,
 * raised by running its reference `perform` on host copies of the node's inputs. Those inputs are
 * held out of the pool until the flags have been looked at, so a call that reads nothing back can
 * still raise the exact error at the next call.
 */
export class CallIndexChecks {
  private readonly flags: Flag[] = [];
  private readonly held: GPUBuffer[] = [];
  /**
   * Set when the call writes an update in place, which the executable planned on knowing that no
   * check of this graph needs the GPU: an error found after the call would come too late.
   */
  inPlace = false;
  constructor(readonly pool: BufferPool, readonly device: GPUDevice) {}

  add(tensor: GpuTensor, error: IndexErrorFactory): void {
    this.flags.push({
      tensor,
      error: (f) => {
        const position = f.data[0]! >>> 0;
        return position === NONE ? null : error(f.data[1]!, position);
      },
    });
  }

  /** A zeroed u32 flag for the kernels of `node`, set by any failing check; read back with the others. */
  kernelFlag(node: Apply, ins: readonly GpuTensor[], kernel: string): GPUBuffer {
    if (this.inPlace) {
      throw new HypatiaError(node.op.name, `kernel ${kernel} checks values that live on the GPU, which the webgpu backend expected on the host when it planned this function's in-place updates (an op's kernels declare its inputs first, in order); nothing ran and no shared variable was changed`, node.site);
    }
    const tensor: GpuTensor = { buffer: this.pool.acquire(4), dtype: 'int32', shape: [1], size: 1 };
    this.device.queue.writeBuffer(tensor.buffer, 0, Uint32Array.of(0));
    for (const t of ins) if (!t.host) { this.pool.hold(t.buffer); this.held.push(t.buffer); }
    const device = this.device;
    this.flags.push({ tensor, error: (f) => (f.data[0] ? referenceError(device, node, ins, kernel) : null) });
    return tensor.buffer;
  }

  get count(): number {
    return this.flags.length;
  }

  /** The flag tensors to read back (int32 pairs for index checks, one word for kernels). */
  tensors(): GpuTensor[] {
    return this.flags.map((f) => f.tensor);
  }

  /** The first failed check in encoding order (the order the reference backend raises in), given the flags read back. */
  async firstError(values: readonly NDArray[]): Promise<HypatiaError | null> {
    for (let i = 0; i < values.length; i++) {
      const e = await this.flags[i]!.error(values[i]!);
      if (e) return e;
    }
    return null;
  }

  /** Return the flag buffers to the pool (once their readback is queued); their errors stay for firstError. */
  releaseFlags(): void {
    if (this.flagsReleased) return;
    this.flagsReleased = true;
    for (const f of this.flags) this.pool.release(f.tensor.buffer);
  }
  private flagsReleased = false;

  /** Let the checked nodes' inputs go back to the pool (once firstError is done with them, or will not run). */
  releaseInputs(): void {
    for (const b of this.held.splice(0)) this.pool.unhold(b);
  }

  release(): void {
    this.releaseFlags();
    this.releaseInputs();
  }
}

/** The op's own error for inputs its kernels' checks refused: its reference perform on host copies of them. */
async function referenceError(device: GPUDevice, node: Apply, ins: readonly GpuTensor[], kernel: string): Promise<HypatiaError> {
  const onDevice = ins.filter((t) => !t.host);
  const fetched = await download(device, onDevice);
  return referencePerformError(node, ins.map((t) => t.host ?? fetched.shift()!), kernel);
}

/** The error `perform` raises for these inputs, or one saying that it raised none. */
export function referencePerformError(node: Apply, ins: readonly NDArray[], kernel: string): HypatiaError {
  try {
    node.op.perform(ins, node);
  } catch (e) {
    if (e instanceof HypatiaError) return e;
    return new HypatiaError(node.op.name, (e as Error).message, node.site);
  }
  return new HypatiaError(node.op.name, `a run-time check of kernel ${kernel} failed, but the reference semantics accept these operands`, node.site);
}

const calls = new WeakMap<EncodeContext, CallIndexChecks>();

/** Let the lowerings encoded with `ctx` record their GPU checks into `checks`. */
export function attachIndexChecks(ctx: EncodeContext, checks: CallIndexChecks): void {
  calls.set(ctx, checks);
}

/** A flag buffer for kernels of `node` with checks, read after the call (CallIndexChecks.kernelFlag). */
export function kernelCheckFlag(ctx: EncodeContext, node: Apply, ins: readonly GpuTensor[], kernel: string): GPUBuffer {
  const checks = calls.get(ctx);
  if (!checks) throw new Error('kernel checks: the encode context has no CallIndexChecks attached');
  return checks.kernelFlag(node, ins, kernel);
}

export interface IndexChecker {
  /**
   * Check that every value of the int32 tensor `t` lies in [-len, len): at once when it is known
   * on the host (throwing `error`), otherwise by a kernel recorded into `pass`.
   */
  check(pass: GPUComputePassEncoder, ctx: EncodeContext, t: GpuTensor, len: number, error: IndexErrorFactory): void;
}

/** The check kernels' pipelines, created at compile time with the lowering that uses them. */
export async function indexChecker(device: GPUDevice): Promise<IndexChecker> {
  const [check, record] = await Promise.all([pipeline(device, CHECK_SOURCE), pipeline(device, RECORD_SOURCE)]);
  return {
    check(pass, ctx, t, len, error) {
      if (t.size === 0) return;
      if (t.host) {
        const data = t.host.data;
        for (let p = 0; p < data.length; p++) {
          const v = data[p]!;
          if (v < -len || v >= len) throw error(v, p);
        }
        return;
      }
      const checks = calls.get(ctx);
      if (!checks) throw new Error('index checks: the encode context has no CallIndexChecks attached');
      const flag: GpuTensor = { buffer: checks.pool.acquire(8), dtype: 'int32', shape: [2], size: 2 };
      ctx.device.queue.writeBuffer(flag.buffer, 0, Uint32Array.of(NONE, 0));
      checks.add(flag, error);
      dispatch1d(ctx.device, pass, check, [ctx.params(Uint32Array.of(t.size, len)), t.buffer, flag.buffer], Math.ceil(t.size / WORKGROUP));
      dispatch1d(ctx.device, pass, record, [t.buffer, flag.buffer], 1);
    },
  };
}
