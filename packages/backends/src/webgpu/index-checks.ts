/// <reference types="@webgpu/types" />
import { HypatiaError, type Apply, type NDArray } from '@hypatia/core';
import { download, type BufferPool, type GpuTensor } from './buffers.js';
import type { EncodeContext } from './lowering.js';

/**
 * Run-time checks found on the GPU (an index or a label out of range, a kernel's `check`
 * statement): they raise the op's own error, from its reference `perform`, instead of clamping.
 * Checks whose values are known on the host run there before anything is encoded (ir-step.ts).
 * The others set a flag that comes back with the call's outputs; when the caller reads no output,
 * the flags are read asynchronously and the next call on the device raises the error (see
 * webgpu-backend.ts). No kernel ever waits for a flag.
 */

/**
 * The GPU checks recorded by one call, read back after it: one u32 flag per checked node, whose
 * error is the op's own, raised by running its `perform` on host copies of the node's inputs.
 * Those inputs are held out of the pool until the flags have been looked at, so a call that reads
 * nothing back can still raise the exact error at the next call.
 */
export class CallIndexChecks {
  private readonly flags: { tensor: GpuTensor; node: Apply; ins: readonly GpuTensor[]; kernel: string }[] = [];
  private readonly held: GPUBuffer[] = [];
  /**
   * Set when the call writes an update in place, which the executable planned on knowing that no
   * check of this graph needs the GPU: an error found after the call would come too late.
   */
  inPlace = false;
  constructor(readonly pool: BufferPool, readonly device: GPUDevice) {}

  /** A zeroed u32 flag for the kernels of `node`, set by any failing check; read back with the others. */
  kernelFlag(node: Apply, ins: readonly GpuTensor[], kernel: string): GPUBuffer {
    if (this.inPlace) {
      throw new HypatiaError(node.op.name, `kernel ${kernel} checks values that live on the GPU, which the webgpu backend expected on the host when it planned this function's in-place updates (an op's kernels declare its inputs first, in order); nothing ran and no shared variable was changed`, node.site);
    }
    const tensor: GpuTensor = { buffer: this.pool.acquire(4), dtype: 'int32', shape: [1], size: 1 };
    this.device.queue.writeBuffer(tensor.buffer, 0, Uint32Array.of(0));
    for (const t of ins) if (!t.host) { this.pool.hold(t.buffer); this.held.push(t.buffer); }
    this.flags.push({ tensor, node, ins, kernel });
    return tensor.buffer;
  }

  get count(): number {
    return this.flags.length;
  }

  /** The flag tensors to read back. */
  tensors(): GpuTensor[] {
    return this.flags.map((f) => f.tensor);
  }

  /** The first failed check in encoding order (the order the reference backend raises in), given the flags read back. */
  async firstError(values: readonly NDArray[]): Promise<HypatiaError | null> {
    const i = values.findIndex((v) => v.data[0] !== 0);
    if (i < 0) return null;
    const { node, ins, kernel } = this.flags[i]!;
    const onDevice = ins.filter((t) => !t.host);
    const fetched = await download(this.device, onDevice);
    return referencePerformError(node, ins.map((t) => t.host ?? fetched.shift()!), kernel);
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

/** Let the steps encoded with `ctx` record their GPU checks into `checks`. */
export function attachIndexChecks(ctx: EncodeContext, checks: CallIndexChecks): void {
  calls.set(ctx, checks);
}

/** A flag buffer for kernels of `node` with checks, read after the call (CallIndexChecks.kernelFlag). */
export function kernelCheckFlag(ctx: EncodeContext, node: Apply, ins: readonly GpuTensor[], kernel: string): GPUBuffer {
  const checks = calls.get(ctx);
  if (!checks) throw new Error('kernel checks: the encode context has no CallIndexChecks attached');
  return checks.kernelFlag(node, ins, kernel);
}
