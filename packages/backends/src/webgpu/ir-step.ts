/// <reference types="@webgpu/types" />
import {
  Elemwise, HypatiaError, NDArray, compileKernelJS, foldIdx, typedArrayFor,
  type Apply, type BufferRef, type Idx, type JsKernel, type Kernel, type KernelProgram, type Launch, type LaunchPlan,
} from '@hypatia/core';
import { ProductEpilogue } from '@hypatia/ops';
import type { GpuTensor } from './buffers.js';
import { WORKGROUP } from './kernels.js';
import { dispatch1d, pipeline, unsupported, type EncodeContext, type InPlaceEncode, type LowerContext, type Step } from './lowering.js';
import { kernelCheckFlag, referencePerformError } from './index-checks.js';
import { checkReads, checksOnly, hasChecks, readingFrom } from './ir-transforms.js';
import { kernelToWGSL } from './wgsl-printer.js';

/**
 * A node that no routine takes runs its op's kernels (Op.kernels), printed as WGSL once at
 * compile time. Each call plans on the host from the inputs' shapes (and the values of the
 * program's valueInputs, which must be known on the host), allocates the outputs and scratch
 * buffers, and records each launch. Kernels with checks bind an error flag: when every value the
 * checks read is known on the host they are run there first, with the JavaScript printer, so a bad
 * index raises before anything is encoded; otherwise the flag is read after the call and a set
 * flag raises the op's own error from its reference `perform` (index-checks.ts).
 */
export async function irStep(device: GPUDevice, node: Apply, program: KernelProgram, ctx: LowerContext): Promise<Step> {
  const kernels = program.kernels;
  const printed = kernels.map((k) => {
    try {
      return kernelToWGSL(k);
    } catch (e) {
      return unsupported(node, (e as Error).message);
    }
  });
  for (const i of program.valueInputs ?? []) {
    if (!ctx.onHost(node.inputs[i]!)) unsupported(node, `its input ${i} (${node.inputs[i]}) is a size or bound its plan reads on the host, and it is computed on the GPU; it must come from inputs, constants or shapes`);
  }
  const pipes = await Promise.all(printed.map((p) => pipeline(device, p.code)));
  const checks = kernels.map((k) => (hasChecks(k) ? { reads: checkReads(k), run: null as JsKernel | null } : null));

  let memo: { ins: readonly GpuTensor[]; plan: LaunchPlan } | null = null;
  const planFor = (ins: readonly GpuTensor[]): LaunchPlan => {
    if (memo?.ins === ins) return memo.plan;
    const operands = ins.map((t, i) => {
      if (!program.valueInputs?.includes(i)) return { shape: t.shape };
      if (!t.host) throw new HypatiaError(node.op.name, `input ${i} gives sizes but its value is not known on the host`, node.site);
      return { shape: t.shape, value: t.host };
    });
    const plan = program.plan(operands);
    memo = { ins, plan };
    return plan;
  };

  /** Whether launch `l`'s checks read only values known on the host; if so, run them there (throwing the op's error). */
  const checkedOnHost = (l: Launch, ins: readonly GpuTensor[]): boolean => {
    const c = checks[l.kernel]!;
    const kernel = kernels[l.kernel]!;
    const hostRef = (j: number) => {
      const r = l.buffers[j]!;
      return 'input' in r && !!ins[r.input]!.host;
    };
    if (!c.reads || ![...c.reads].every(hostRef)) return false;
    c.run ??= compileKernelJS(checksOnly(kernel));
    const bufs = kernel.buffers.map((b, j) => (c.reads!.has(j) ? ins[(l.buffers[j] as { input: number }).input]!.host!.data : typedArrayFor(b.dtype, 0)));
    if (c.run(bufs, l.params)) {
      // The values the checks read are all here; the others are not computed yet, and stand in as zeros.
      throw referencePerformError(node, ins.map((t) => t.host ?? new NDArray(t.dtype, [...t.shape], typedArrayFor(t.dtype, t.size))), kernel.name);
    }
    return true;
  };

  /** Record the plan's launches; `bound` says which of a launch's buffers the pipelines in `use` bind. */
  const encode = (
    pass: GPUComputePassEncoder, ins: readonly GpuTensor[], outs: readonly GpuTensor[], ectx: EncodeContext,
    use: readonly GPUComputePipeline[], bound: (l: Launch, j: number) => boolean,
  ): void => {
    const plan = planFor(ins);
    // Every element takes 4 bytes (a float64 scratch buffer holds f32, as the printer declares it).
    const temps = (plan.temps ?? []).map((t) => ectx.scratch(Math.max(4, t.size * 4)));
    const bufferOf = (r: BufferRef): GPUBuffer => ('input' in r ? ins[r.input]!.buffer : 'output' in r ? outs[r.output]!.buffer : temps[r.temp]!);
    let flag: GPUBuffer | null = null;
    for (const l of plan.launches) {
      const kernel = kernels[l.kernel]!;
      const n = pointCount(kernel, l.params);
      if (n === 0) continue;
      const bufs = l.buffers.filter((_, j) => bound(l, j)).map(bufferOf);
      if (printed[l.kernel]!.checks) {
        // A launch checked on the host binds a flag nobody reads.
        bufs.push(checkedOnHost(l, ins) ? ectx.scratch(4) : (flag ??= kernelCheckFlag(ectx, node, ins, kernel.name)));
      }
      const params = ectx.params(new Uint32Array(Int32Array.from([...l.params, n]).buffer));
      dispatch1d(ectx.device, pass, use[l.kernel]!, [params, ...bufs], printed[l.kernel]!.sequential ? 1 : Math.ceil(n / WORKGROUP));
    }
  };

  return {
    node,
    describe: `${node.op.toString()} (kernel IR: ${kernels.map((k) => `${k.name}${k.sequential ? ', sequential' : ''}`).join('; ')})`,
    shapes: (ins) => planFor(ins).outputs.map((s) => [...s]),
    encode: (pass, ins, outs, ectx) => encode(pass, ins, outs, ectx, pipes, () => true),
    inPlace: readsOwnPosition(node) ? (aliased) => inPlaceAt(device, node, kernels, aliased, encode) : undefined,
    checksOnGpu: kernels.some((k) => {
      if (!hasChecks(k)) return false;
      // Kernels declare the node's inputs first, in order: the buffers the checks read must be inputs known on the host.
      const reads = checkReads(k);
      return !reads || [...reads].some((j) => j >= node.inputs.length || k.buffers[j]!.access !== 'read' || !ctx.onHost(node.inputs[j]!));
    }),
  };
}

/** The number of points of the kernel's space for these parameters (negative extents count as empty). */
export function pointCount(k: Kernel, params: readonly number[]): number {
  const value = (i: Idx): number => {
    switch (i.k) {
      case 'lit': return i.v;
      case 'param': return params[i.p]!;
      case 'op': return foldIdx(i.op, value(i.a), value(i.b));
      case 'sel': return value(i.c) ? value(i.a) : value(i.b);
      default: throw new Error(`kernel ${k.name}: its space's extents must be parameter arithmetic`);
    }
  };
  return k.space.reduce((n, e) => n * Math.max(0, value(e)), 1);
}

type Encode = (
  pass: GPUComputePassEncoder, ins: readonly GpuTensor[], outs: readonly GpuTensor[], ectx: EncodeContext,
  use: readonly GPUComputePipeline[], bound: (l: Launch, j: number) => boolean,
) => void;

/**
 * The inputs a node's kernels read only at the position each point writes, when they have the
 * output's shape: every operand of an elementwise node, the epilogue operands of a product
 * epilogue (read by broadcast strides over the product's output). Null: none.
 */
function readsOwnPosition(node: Apply): ((input: number) => boolean) | null {
  const { op } = node;
  if (op instanceof Elemwise) return () => true;
  if (op instanceof ProductEpilogue) return (i) => i >= op.productArity;
  return null;
}

/**
 * An update written into its variable's buffer: the kernels with the aliased inputs read from the
 * output buffer (these kernels take input i as buffer i and the output after them, and read each
 * aliased input, which has the output's shape, at the point's own position). Null when an aliased
 * input is read elsewhere (a product's own operand).
 */
async function inPlaceAt(device: GPUDevice, node: Apply, kernels: readonly Kernel[], aliased: readonly boolean[], encode: Encode): Promise<InPlaceEncode | null> {
  const n = node.inputs.length;
  const own = readsOwnPosition(node)!;
  if (aliased.some((a, i) => a && !own(i))) return null;
  const from = new Set(aliased.flatMap((a, i) => (a ? [i] : [])));
  const fits = (k: Kernel) => k.buffers.length === n + 1 && k.buffers[n]!.access !== 'read' && k.buffers.slice(0, n).every((b) => b.access === 'read');
  if (!kernels.every(fits)) return null;
  const pipes = await Promise.all(kernels.map((k) => pipeline(device, kernelToWGSL(readingFrom(k, from, n)).code)));
  const conventional = (l: Launch) => l.buffers.every((r, j) => (j < n ? 'input' in r && r.input === j : 'output' in r && r.output === 0));
  return (pass, ins, out, ectx) => encode(pass, ins, [out], ectx, pipes, (l, j) => {
    if (!conventional(l)) throw new HypatiaError(node.op.name, `kernel ${kernels[l.kernel]!.name} binds its buffers out of the inputs' order, so it cannot write in place`, node.site);
    return !(j < n && aliased[j]);
  });
}
