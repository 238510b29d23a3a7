/// <reference types="@webgpu/types" />
import { Constant, NDArray, type Apply, type DType, type InnerGraph, type Variable } from '@hypatia/core';
import { stridedCopyKernel } from '@hypatia/ops/backend';
import { hostTensor, type GpuTensor } from './buffers.js';
import { hostEvaluated, hostStep } from './host-eval.js';
import { WORKGROUP } from './kernels.js';
import { dispatch1d, lowerNode, pipeline, unsupported, type EncodeContext, type Step } from './lowering.js';
import { kernelToWGSL } from './wgsl-printer.js';

/**
 * An inner graph (a loop's body, a branch) lowered as the function's own nodes are: each node to
 * a step, small int values whose operands are known on the host evaluated there. `known` are the
 * inner inputs whose values the host will know (rows of a sequence given on the host).
 */
export interface InnerSteps {
  readonly graph: InnerGraph;
  readonly steps: readonly Step[];
}

export async function lowerInner(owner: Apply, device: GPUDevice, graph: InnerGraph, known: ReadonlySet<Variable>): Promise<InnerSteps> {
  const { nodes: host, known: onHost } = hostEvaluated(graph.nodes, known);
  const isKnown = (v: Variable) => onHost.has(v) || v instanceof Constant;
  const steps = await Promise.all(graph.nodes.map((n) => (host.has(n) ? hostStep(n) : lowerNode(device, n, { onHost: isKnown }))));
  for (const s of steps) {
    // Reading a value back in the middle of a loop would stall the queue at every step.
    if (s.readsBack?.length || s.hostOutputs?.length) unsupported(owner, `its inner graph holds ${s.node.op.name}, which needs a value read back from the GPU at every run; give its condition or bound from the host`);
  }
  return { graph, steps };
}

/** The inner steps' outputs' shapes for inputs of these shapes (and host values where known), without encoding anything. */
export function innerShapes(inner: InnerSteps, inputs: readonly Pick<GpuTensor, 'shape' | 'dtype' | 'host'>[]): number[][] {
  const values = new Map<Variable, GpuTensor>();
  const fake = (t: Pick<GpuTensor, 'shape' | 'dtype' | 'host'>): GpuTensor => ({ ...t, size: t.shape.reduce((a, b) => a * b, 1), get buffer(): GPUBuffer { throw new Error('shapes only'); } });
  inner.graph.inputs.forEach((v, i) => values.set(v, fake(inputs[i]!)));
  const get = (v: Variable) => values.get(v) ?? fake({ shape: [...(v as Constant).value.shape], dtype: v.dtype, host: (v as Constant).value });
  for (const step of inner.steps) {
    const ins = step.node.inputs.map(get);
    if (step.evaluate) {
      step.evaluate(ins).forEach((a, i) => values.set(step.node.outputs[i]!, fake({ shape: [...a.shape], dtype: a.dtype, host: a })));
      continue;
    }
    const shapes = step.shapes(ins);
    step.node.outputs.forEach((o, i) => values.set(o, fake({ shape: shapes[i]!, dtype: o.dtype })));
  }
  return inner.graph.outputs.map((o) => [...get(o).shape]);
}

/**
 * Encodes one run of the inner steps and returns its outputs. A node's output buffers are kept in
 * `memory` (scratch of the call) and reused by the next run with the same shapes, so a loop's
 * steps write where its first step did.
 */
export function encodeInner(
  inner: InnerSteps, pass: GPUComputePassEncoder, inputs: readonly GpuTensor[], ectx: EncodeContext,
  memory: Map<Step, GpuTensor[]>, upload: (a: NDArray) => GPUBuffer,
): GpuTensor[] {
  const values = new Map<Variable, GpuTensor>();
  inner.graph.inputs.forEach((v, i) => values.set(v, inputs[i]!));
  const get = (v: Variable): GpuTensor => {
    const t = values.get(v);
    if (t) return t;
    const c = hostTensor((v as Constant).value, upload);
    values.set(v, c);
    return c;
  };
  for (const step of inner.steps) {
    const node = step.node;
    const ins = node.inputs.map(get);
    if (step.evaluate) {
      step.evaluate(ins).forEach((a, i) => values.set(node.outputs[i]!, hostTensor(a, upload)));
      continue;
    }
    const shapes = step.shapes(ins);
    if (step.alias) {
      values.set(node.outputs[0]!, { buffer: ins[0]!.buffer, dtype: node.outputs[0]!.dtype, shape: shapes[0]!, size: ins[0]!.size });
      continue;
    }
    let outs = memory.get(step);
    if (!outs || outs.some((t, i) => !sameShape(t.shape, shapes[i]!))) {
      outs = node.outputs.map((o, i) => {
        const size = shapes[i]!.reduce((a, b) => a * b, 1);
        return { buffer: ectx.scratch(Math.max(4, size * 4)), dtype: o.dtype, shape: shapes[i]!, size };
      });
      memory.set(step, outs);
    }
    step.encode!(pass, ins, outs, ectx);
    node.outputs.forEach((o, i) => values.set(o, outs![i]!));
  }
  return inner.graph.outputs.map(get);
}

/** Copies of runs of elements between buffers (rows of a loop's buffers), one pipeline per dtype. */
export class RowCopies {
  private constructor(private readonly pipes: ReadonlyMap<DType, GPUComputePipeline>) {}

  static async create(device: GPUDevice, dtypes: Iterable<DType>): Promise<RowCopies> {
    const entries = await Promise.all([...new Set(dtypes)].map(async (d) => {
      const k = stridedCopyKernel(`copy_${d}`, d, 1);
      return [d, await pipeline(device, kernelToWGSL(k).code)] as const;
    }));
    return new RowCopies(new Map(entries));
  }

  /** Copy `n` elements from `src` (from element `from`) to `dst` (from element `to`). */
  copy(pass: GPUComputePassEncoder, ectx: EncodeContext, dtype: DType, src: GPUBuffer, from: number, dst: GPUBuffer, to: number, n: number): void {
    if (n <= 0) return;
    const params = ectx.params(new Uint32Array(Int32Array.of(n, 1, 1, to, from, n).buffer));
    dispatch1d(ectx.device, pass, this.pipes.get(dtype)!, [params, src, dst], Math.ceil(n / WORKGROUP));
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** An array's elements as 4-byte words in a buffer of the call (bool as u32, as the kernels read it). */
export function uploadWords(ectx: EncodeContext, a: NDArray): GPUBuffer {
  const data = a.dtype === 'bool' ? Uint32Array.from(a.data) : a.data;
  return ectx.params(new Uint32Array(data.buffer, data.byteOffset, data.length));
}
