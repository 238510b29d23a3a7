/// <reference types="@webgpu/types" />
import { HypatiaError, OpTable, type Apply, type NDArray, type Variable } from '@hypatia/core';
import type { GpuTensor } from './buffers.js';
import { grid } from './kernels.js';
import { irStep } from './ir-step.js';

/** How one node runs on the GPU: kernels it records, or a view of its first input's buffer. */
export interface Step {
  node: Apply;
  describe: string;
  /** Output shapes from the run-time input shapes (one per output). */
  shapes(ins: readonly GpuTensor[]): number[][];
  /** Record the work into the call's compute pass. */
  encode?(pass: GPUComputePassEncoder, ins: readonly GpuTensor[], outs: readonly GpuTensor[], ctx: EncodeContext): void;
  /** A view (reshape): the output shares input 0's buffer. */
  alias?: true;
  /** Computed on the host before encoding (host-eval.ts): small int results, no kernel. */
  evaluate?(ins: readonly GpuTensor[]): NDArray[];
  /**
   * For an update written into its variable's own buffer (in-place.ts) when the step is not
   * elementwise: the step's kernel with the inputs flagged `aliased` read from the output buffer
   * at each element's own position (WebGPU forbids binding one buffer read-only and read-write in
   * one dispatch), created now, at compile time; null where that would be unsafe.
   */
  inPlace?(aliased: readonly boolean[]): Promise<InPlaceEncode | null>;
  /**
   * Whether a call may find a failed run-time check (an index out of range) only on the GPU, after
   * its kernels ran: such graphs never update a variable in place.
   */
  checksOnGpu?: boolean;
  /**
   * Inputs the step needs on the host that may be computed on the GPU (an ifelse's condition): the
   * call submits what it has encoded and reads them back first.
   */
  readsBack?: readonly number[];
  /** Outputs later steps need on the host (a loop's steps run, which its stacked outputs are cut to): read back right after the step. */
  hostOutputs?: readonly number[];
}

/** Records a step's kernel with its aliased inputs read from `out` (their buffers are not bound). */
export type InPlaceEncode = (pass: GPUComputePassEncoder, ins: readonly GpuTensor[], out: GpuTensor, ctx: EncodeContext) => void;

/** What a lowering may ask about the rest of the graph at compile time. */
export interface LowerContext {
  /** Whether the variable's value is known on the host at run time (GpuTensor.host is set). */
  onHost(v: Variable): boolean;
}

export interface EncodeContext {
  device: GPUDevice;
  /** A small read-only buffer of u32 parameters (shapes, strides) for this dispatch. */
  params(data: Uint32Array): GPUBuffer;
  /** A scratch buffer of at least `bytes` (contents undefined), returned to the pool after the call. */
  scratch(bytes: number): GPUBuffer;
}

/**
 * A rule that runs the nodes it accepts without their IR kernels: a view (reshapes), or a
 * hand-tuned kernel where one beats the IR on measurement. It turns the node into a Step,
 * creating its pipelines now (compile time).
 */
export type Routine = (device: GPUDevice, ctx: LowerContext) => Promise<Step>;

/**
 * The backend's routines by op class (a rule serves subclasses too, and may decline a node, which
 * then runs its op's kernels in the IR). views.ts adds the reshapes.
 */
export const ROUTINES = new OpTable<Routine>();

/** A node the webgpu backend cannot run (float64, no kernels, a kernel WGSL cannot express): another backend may. */
export class WebGPUUnsupportedError extends HypatiaError {}

export function unsupported(node: Apply, why: string): never {
  throw new WebGPUUnsupportedError(node.op.name, `the webgpu backend cannot run this op: ${why}`, node.site);
}

/** A node runs on the routine that takes it, or else on its op's kernels printed as WGSL. */
export function lowerNode(device: GPUDevice, node: Apply, ctx: LowerContext = { onHost: () => false }): Promise<Step> {
  for (const v of [...node.inputs, ...node.outputs]) {
    if (v.dtype === 'float64') unsupported(node, `float64 operand ${v} (${v.type}); WebGPU has no float64, use float32 or the cpu backend`);
  }
  const routine = ROUTINES.find(node);
  if (routine) return routine(device, ctx);
  const program = node.op.kernels?.(node);
  if (!program) unsupported(node, 'it has no kernels in the kernel IR and no WebGPU routine');
  return irStep(device, node, program, ctx);
}

const pipelineCache = new Map<string, { device: GPUDevice; pipeline: Promise<GPUComputePipeline> }>();

/**
 * Pipelines are cached by their WGSL source: a second compile of the same graph builds none. A
 * pipeline belongs to its device, so after a device loss every kernel is built again for the new one.
 */
export function pipeline(device: GPUDevice, code: string): Promise<GPUComputePipeline> {
  const hit = pipelineCache.get(code);
  if (hit && hit.device === device) return hit.pipeline;
  const desc: GPUComputePipelineDescriptor = { layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } };
  // Asynchronous creation: compile() starts every pipeline at once and the first call never stalls.
  const p = device.createComputePipelineAsync(desc);
  pipelineCache.set(code, { device, pipeline: p });
  p.catch(() => { if (pipelineCache.get(code)?.pipeline === p) pipelineCache.delete(code); });
  return p;
}

export function pipelineCacheSize(): number {
  return pipelineCache.size;
}

export function bindGroup(device: GPUDevice, pipe: GPUComputePipeline, buffers: readonly GPUBuffer[]): GPUBindGroup {
  return device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
}

/** Dispatch `groups` workgroups in a grid that wraps past the 65,535 per-dimension limit. */
export function dispatch1d(device: GPUDevice, pass: GPUComputePassEncoder, pipe: GPUComputePipeline, buffers: readonly GPUBuffer[], groups: number): void {
  if (groups === 0) return;
  pass.setPipeline(pipe);
  pass.setBindGroup(0, bindGroup(device, pipe, buffers));
  const [x, y] = grid(groups);
  pass.dispatchWorkgroups(x, y);
}
