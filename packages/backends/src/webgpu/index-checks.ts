/// <reference types="@webgpu/types" />
import { HypatiaError, type Apply, type NDArray, type Variable } from '@hypatia/core';
import type { BufferPool, GpuTensor } from './buffers.js';
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

/** The GPU checks recorded by one call, read back after it. */
export class CallIndexChecks {
  private readonly flags: { tensor: GpuTensor; error: IndexErrorFactory }[] = [];
  constructor(readonly pool: BufferPool) {}

  add(tensor: GpuTensor, error: IndexErrorFactory): void {
    this.flags.push({ tensor, error });
  }

  get count(): number {
    return this.flags.length;
  }

  /** The flag tensors to read back (int32 pairs: position, index). */
  tensors(): GpuTensor[] {
    return this.flags.map((f) => f.tensor);
  }

  /** The first failed check in encoding order (the order the reference backend raises in), given the flags read back. */
  firstError(values: readonly NDArray[]): HypatiaError | null {
    for (let i = 0; i < values.length; i++) {
      const position = values[i]!.data[0]! >>> 0;
      if (position !== NONE) return this.flags[i]!.error(values[i]!.data[1]!, position);
    }
    return null;
  }

  /** Return the flag buffers to the pool (once their readback is queued); the error factories stay for firstError. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const f of this.flags) this.pool.release(f.tensor.buffer);
  }
  private released = false;
}

const calls = new WeakMap<EncodeContext, CallIndexChecks>();

/** Let the lowerings encoded with `ctx` record their GPU checks into `checks`. */
export function attachIndexChecks(ctx: EncodeContext, checks: CallIndexChecks): void {
  calls.set(ctx, checks);
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

/** The inputs of each checking op that hold indices, so the backend knows at compile time which calls may flag on the GPU. */
const INDEX_INPUTS: Record<string, number> = {
  advanced_subtensor: 1,
  advanced_inc_subtensor: 2,
  advanced_set_subtensor: 2,
  last_write_mask: 1,
  softmax_crossentropy_with_labels: 1,
  categorical_crossentropy_with_labels: 1,
  softmax_crossentropy_grad: 2,
  categorical_crossentropy_grad: 2,
};

/** Whether `node` checks indices that only the GPU knows (so a bad one is found after the call has run). */
export function checksOnGpu(node: Apply, onHost: (v: Variable) => boolean): boolean {
  const first = INDEX_INPUTS[node.op.name];
  if (first === undefined) return false;
  const idx = node.op.name.endsWith('_with_labels') || node.op.name.endsWith('_grad') ? [node.inputs[first]!] : node.inputs.slice(first);
  return idx.some((v) => !onHost(v));
}
