/// <reference types="@webgpu/types" />
import {
  Constant, Elemwise, HypatiaError, NDArray, SharedVariable, broadcastRuntime, broadcastStrides, input, stridesOf,
  type Apply, type Backend, type DeviceValue, type Executable, type LowerSpec, type RunResult, type Variable,
} from '@hypatia/core';
import { BufferPool, download, type GpuTensor } from './buffers.js';
import { getDevice, gpuDescription } from './device.js';
import { TILE, WORKGROUP, elementwiseMeta, elementwiseSource, grid, matmulSource, sumSource } from './kernels.js';

/** How one node runs: a kernel with its pipeline, or a view of its input's buffer (reshapes). */
interface Step {
  node: Apply;
  describe: string;
  /** Output shapes from input shapes. */
  shapes(ins: readonly GpuTensor[]): number[][];
  /** Record the work; `alias` steps return their input's buffer instead. */
  encode?(pass: GPUComputePassEncoder, ins: readonly GpuTensor[], out: GpuTensor, ctx: Ctx): void;
  alias?: true;
}

interface Ctx {
  device: GPUDevice;
  meta(data: Uint32Array): GPUBuffer;
}

const pipelineCache = new Map<string, Promise<GPUComputePipeline>>();

/** Pipelines are cached by their WGSL source: a second compile of the same graph builds none. */
function pipeline(device: GPUDevice, code: string): Promise<GPUComputePipeline> {
  let p = pipelineCache.get(code);
  if (!p) {
    const desc: GPUComputePipelineDescriptor = { layout: "auto", compute: { module: device.createShaderModule({ code }), entryPoint: "main" } };
    // Asynchronous creation: compile() starts every pipeline at once and the first call never stalls.
    p = device.createComputePipelineAsync(desc);
    pipelineCache.set(code, p);
    p.catch(() => pipelineCache.delete(code));
  }
  return p;
}

export function pipelineCacheSize(): number {
  return pipelineCache.size;
}

/**
 * The WebGPU backend: every node becomes a WGSL compute kernel (or a view, for reshapes), all
 * recorded into one command buffer per call. Shared variables stay in GPU buffers between calls,
 * and only the outputs the caller reads come back.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  async lower(spec: LowerSpec): Promise<Executable> {
    const device = await getDevice();
    // All pipelines are requested at once and compile in parallel.
    const steps = await Promise.all(spec.graph.nodes.map((node) => planNode(device, node)));
    return new WebGPUExecutable(device, spec, steps);
  }
}

function unsupported(node: Apply, why: string): never {
  throw new HypatiaError(node.op.name, `the webgpu backend cannot run this op: ${why}`, node.site);
}

async function planNode(device: GPUDevice, node: Apply): Promise<Step> {
  for (const v of [...node.inputs, ...node.outputs]) {
    if (v.dtype === 'float64') unsupported(node, `float64 operand ${v} (${v.type}); WebGPU has no float64, use float32 or the cpu backend`);
  }
  const op = node.op as unknown as Record<string, unknown>;
  const out = node.outputs[0]!;
  if (node.op instanceof Elemwise) {
    const formula = node.op.scalarFormula(node.inputs.map((v, i) => input(i, v.dtype)));
    const nd = out.ndim;
    const pipe = await pipeline(device, elementwiseSource(formula, node.inputs.map((v) => v.dtype), out.dtype, nd));
    return {
      node,
      describe: `elementwise ${node.op.toString()} (${node.inputs.length} inputs, rank ${nd})`,
      shapes: (ins) => {
        const s = broadcastRuntime(ins.map((t) => t.shape));
        if (typeof s === 'string') throw new HypatiaError(node.op.name, s, node.site);
        return [s];
      },
      encode: (pass, ins, o, ctx) => {
        const meta = ctx.meta(elementwiseMeta(o.shape, ins.map((t) => broadcastStrides(t.shape, o.shape))));
        dispatch1d(ctx.device, pass, pipe, [meta, ...ins.map((t) => t.buffer), o.buffer], Math.ceil(o.size / WORKGROUP));
      },
    };
  }
  switch (node.op.name) {
    case 'reshape':
    case 'reshape_like':
    case 'flatten':
      return {
        node,
        describe: `view ${node.op.toString()}`,
        alias: true,
        shapes: (ins) => {
          if (node.op.name === 'reshape_like') return [[...ins[1]!.shape]];
          if (node.op.name === 'flatten') {
            const nd = op.ndim as number;
            const s = ins[0]!.shape;
            return [[...s.slice(0, nd - 1), s.slice(nd - 1).reduce((a, b) => a * b, 1)]];
          }
          return [(op.resolve as (n: number) => number[]).call(node.op, ins[0]!.size)];
        },
      };
    case 'dimshuffle': {
      const pattern = op.pattern as readonly (number | 'x')[];
      const pipe = await pipeline(device, elementwiseSource(input(0, out.dtype), [out.dtype], out.dtype, out.ndim));
      return {
        node,
        describe: `dimshuffle{${pattern.join(',')}} (strided copy)`,
        shapes: (ins) => [pattern.map((p) => (p === 'x' ? 1 : ins[0]!.shape[p]!))],
        encode: (pass, ins, o, ctx) => {
          const st = stridesOf(ins[0]!.shape);
          const meta = ctx.meta(elementwiseMeta(o.shape, [pattern.map((p) => (p === 'x' ? 0 : st[p]!))]));
          dispatch1d(ctx.device, pass, pipe, [meta, ins[0]!.buffer, o.buffer], Math.ceil(o.size / WORKGROUP));
        },
      };
    }
    case 'sum': {
      const axes = op.axes as readonly number[];
      const keepdims = op.keepdims as boolean;
      const x = node.inputs[0]!;
      const kept = Array.from({ length: x.ndim }, (_, i) => i).filter((i) => !axes.includes(i));
      const pipe = await pipeline(device, sumSource(x.dtype, out.dtype, kept.length, axes.length));
      return {
        node,
        describe: `sum over axes [${axes.join(', ')}] (workgroup tree)`,
        shapes: (ins) => [ins[0]!.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]))],
        encode: (pass, ins, o, ctx) => {
          const s = ins[0]!.shape;
          const st = stridesOf(s);
          const nRed = axes.reduce((a, i) => a * s[i]!, 1);
          const nOut = kept.reduce((a, i) => a * s[i]!, 1);
          const meta = ctx.meta(Uint32Array.from([nOut, nRed, ...kept.map((i) => s[i]!), ...kept.map((i) => st[i]!), ...axes.map((i) => s[i]!), ...axes.map((i) => st[i]!)]));
          dispatch1d(ctx.device, pass, pipe, [meta, ins[0]!.buffer, o.buffer], nOut);
        },
      };
    }
    case 'dot': {
      const [a, b] = node.inputs as [Variable, Variable];
      if (a.dtype !== b.dtype) unsupported(node, `mixed dtypes ${a.dtype} and ${b.dtype}`);
      const transA = op.transA as boolean;
      const transB = op.transB as boolean;
      const pipe = await pipeline(device, matmulSource(out.dtype));
      const dims = (ins: readonly GpuTensor[]) => {
        const [sa, sb] = [ins[0]!.shape, ins[1]!.shape];
        const M = sa.length === 2 ? (transA ? sa[1]! : sa[0]!) : 1;
        const K = sa.length === 2 ? (transA ? sa[0]! : sa[1]!) : sa[0]!;
        const N = sb.length === 2 ? (transB ? sb[0]! : sb[1]!) : 1;
        const Kb = sb.length === 2 ? (transB ? sb[1]! : sb[0]!) : sb[0]!;
        if (K !== Kb) throw new HypatiaError('dot', `inner dimensions do not match: [${sa}] · [${sb}]`, node.site);
        return { M, N, K, sa, sb };
      };
      return {
        node,
        describe: `matmul ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} (${TILE}x${TILE} tiles in workgroup memory)`,
        shapes: (ins) => {
          const { M, N, sa, sb } = dims(ins);
          return [[...(sa.length === 2 ? [M] : []), ...(sb.length === 2 ? [N] : [])]];
        },
        encode: (pass, ins, o, ctx) => {
          const { M, N, K, sa, sb } = dims(ins);
          const [sAm, sAk] = sa.length === 1 ? [0, 1] : transA ? [1, sa[1]!] : [sa[1]!, 1];
          const [sBk, sBn] = sb.length === 1 ? [1, 0] : transB ? [1, sb[1]!] : [sb[1]!, 1];
          const meta = ctx.meta(Uint32Array.from([M, N, K, 0, sAm, sAk, 0, sBk, sBn]));
          pass.setPipeline(pipe);
          pass.setBindGroup(0, bindGroup(ctx.device, pipe, [meta, ins[0]!.buffer, ins[1]!.buffer, o.buffer]));
          pass.dispatchWorkgroups(Math.ceil(N / TILE), Math.ceil(M / TILE), 1);
        },
      };
    }
    default:
      return unsupported(node, 'no WGSL kernel is registered for it yet');
  }
}

function bindGroup(device: GPUDevice, pipe: GPUComputePipeline, buffers: readonly GPUBuffer[]): GPUBindGroup {
  return device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
}

function dispatch1d(device: GPUDevice, pass: GPUComputePassEncoder, pipe: GPUComputePipeline, buffers: readonly GPUBuffer[], groups: number): void {
  if (groups === 0) return;
  pass.setPipeline(pipe);
  pass.setBindGroup(0, bindGroup(device, pipe, buffers));
  const [x, y] = grid(groups);
  pass.dispatchWorkgroups(x, y);
}

/** A shared variable's value held on this device. */
class GpuValue implements DeviceValue {
  readonly backend = 'webgpu';
  constructor(readonly tensor: GpuTensor, private readonly device: GPUDevice, private readonly pool: BufferPool) {}
  async read(): Promise<NDArray> {
    return (await download(this.device, [this.tensor]))[0]!;
  }
  release(): void {
    this.pool.release(this.tensor.buffer);
  }
}

/** Device copies of shared variables' host values, by the version they were uploaded at. */
const uploaded = new WeakMap<SharedVariable, { version: number; tensor: GpuTensor }>();

class WebGPUExecutable implements Executable {
  private readonly pool: BufferPool;
  private readonly constants = new Map<Constant, GpuTensor>();

  constructor(private readonly device: GPUDevice, private readonly spec: LowerSpec, private readonly steps: Step[]) {
    this.pool = sharedPool(device);
  }

  get kernelCount(): number {
    return this.steps.filter((s) => !s.alias).length;
  }

  describe(): string {
    return `  on ${gpuDescription()}\n${this.steps.map((s, i) => `  ${i}: ${s.describe}`).join('\n')}`;
  }

  private sharedTensor(sv: SharedVariable): GpuTensor {
    const dv = sv.deviceValue;
    if (dv instanceof GpuValue) return dv.tensor;
    const cached = uploaded.get(sv);
    if (cached && cached.version === sv.version) return cached.tensor;
    if (cached) this.pool.release(cached.tensor.buffer);
    const t = this.pool.upload(sv.get());
    uploaded.set(sv, { version: sv.version, tensor: t });
    return t;
  }

  async run(args: readonly NDArray[], opts?: { readOutputs?: boolean }): Promise<RunResult> {
    const { device, pool, spec } = this;
    const values = new Map<Variable, GpuTensor>();
    const temporary: GPUBuffer[] = [];
    spec.inputs.forEach((v, i) => {
      const t = pool.upload(args[i]!);
      temporary.push(t.buffer);
      values.set(v, t);
    });
    const get = (v: Variable): GpuTensor => {
      const t = values.get(v);
      if (t) return t;
      if (v instanceof SharedVariable) return this.sharedTensor(v);
      if (v instanceof Constant) {
        let c = this.constants.get(v);
        if (!c) { c = pool.upload(v.value); this.constants.set(v, c); }
        return c;
      }
      throw new HypatiaError(spec.name, `no value for ${v}`, v.site);
    };
    const metas: GPUBuffer[] = [];
    const ctx: Ctx = {
      device,
      meta: (data) => {
        const b = pool.acquire(data.byteLength);
        device.queue.writeBuffer(b, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
        metas.push(b);
        return b;
      },
    };
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    const produced: GPUBuffer[] = [];
    for (const step of this.steps) {
      const ins = step.node.inputs.map(get);
      const [shape] = step.shapes(ins);
      const out = step.node.outputs[0]!;
      if (step.alias) {
        values.set(out, { buffer: ins[0]!.buffer, dtype: out.dtype, shape: shape!, size: ins[0]!.size });
        continue;
      }
      const t = pool.tensor(out.dtype, shape!);
      produced.push(t.buffer);
      step.encode!(pass, ins, t, ctx);
      values.set(out, t);
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    const failure = oom ?? validation;
    if (failure) {
      for (const b of [...produced, ...temporary, ...metas]) pool.release(b);
      throw new HypatiaError(spec.name, `the GPU rejected the call (${oom ? 'out of memory' : 'validation error'}): ${failure.message}; no shared variable was changed`);
    }

    const results = spec.graph.outputs.map(get);
    const keep = new Set<GPUBuffer>();
    const updates: DeviceValue[] = results.slice(spec.nOutputs).map((t, i) => {
      // An update that is just another variable's buffer (x = y) gets its own copy, so values never alias.
      let own = t;
      if (!produced.includes(t.buffer) || keep.has(t.buffer)) own = this.copy(t);
      keep.add(own.buffer);
      void i;
      return new GpuValue(own, device, pool);
    });
    const outs = results.slice(0, spec.nOutputs);
    const outputs = opts?.readOutputs === false ? [] : await download(device, outs);
    for (const b of [...produced, ...temporary, ...metas]) if (!keep.has(b)) pool.release(b);
    return { outputs, updates };
  }

  private copy(t: GpuTensor): GpuTensor {
    const c = this.pool.tensor(t.dtype, t.shape);
    const enc = this.device.createCommandEncoder();
    if (t.size) enc.copyBufferToBuffer(t.buffer, 0, c.buffer, 0, t.size * 4);
    this.device.queue.submit([enc.finish()]);
    return c;
  }
}

const pools = new WeakMap<GPUDevice, BufferPool>();
function sharedPool(device: GPUDevice): BufferPool {
  let p = pools.get(device);
  if (!p) { p = new BufferPool(device); pools.set(device, p); }
  return p;
}

export function gpuBytesAllocated(device: GPUDevice): number {
  return sharedPool(device).allocated;
}
