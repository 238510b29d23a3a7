/// <reference types="@webgpu/types" />
import {
  Constant, HypatiaError, NDArray, SharedVariable,
  type Backend, type DeviceValue, type Executable, type LowerSpec, type RunResult, type Variable,
} from '@hypatia/core';
import { BufferPool, download, hostTensor, type GpuTensor } from './buffers.js';
import { hostPlan, hostStep } from './host-eval.js';
import { getDevice, gpuDescription } from './device.js';
import { lowerNode, type EncodeContext, type Step } from './lowering.js';
import './lower/index.js';
import { WEBGPU_REWRITES } from '../supported-rewrites.js';

/**
 * The WebGPU backend: every node becomes a WGSL compute kernel (or a view, for reshapes), all
 * recorded into one command buffer per call. Shared variables stay in GPU buffers between calls,
 * and only the outputs the caller reads come back. Op lowerings live in lower/, one file a family.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly supportedRewrites = WEBGPU_REWRITES;
  async lower(spec: LowerSpec): Promise<Executable> {
    const device = await getDevice();
    const host = hostPlan(spec);
    const ctx = { onHost: (v: Variable) => host.known.has(v) || v instanceof Constant };
    // All pipelines are requested at once and compile in parallel.
    const steps = await Promise.all(spec.graph.nodes.map((node) => (host.nodes.has(node) ? hostStep(node) : lowerNode(device, node, ctx))));
    return new WebGPUExecutable(device, spec, steps);
  }
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
    return this.steps.filter((s) => !s.alias && !s.evaluate).length;
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
    // Host values reach the GPU only when a kernel binds them (an index scalar never does).
    const upload = (a: NDArray) => {
      const t = pool.upload(a);
      temporary.push(t.buffer);
      return t.buffer;
    };
    spec.inputs.forEach((v, i) => values.set(v, hostTensor(args[i]!, upload)));
    const get = (v: Variable): GpuTensor => {
      const t = values.get(v);
      if (t) return t;
      if (v instanceof SharedVariable) return this.sharedTensor(v);
      if (v instanceof Constant) {
        let c = this.constants.get(v);
        if (!c) { c = hostTensor(v.value, (a) => pool.upload(a).buffer); this.constants.set(v, c); }
        return c;
      }
      throw new HypatiaError(spec.name, `no value for ${v}`, v.site);
    };
    const metas: GPUBuffer[] = [];
    const ctx: EncodeContext = {
      device,
      params: (data) => {
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
      if (step.evaluate) {
        const results = step.evaluate(ins);
        step.node.outputs.forEach((o, i) => values.set(o, hostTensor(results[i]!, upload)));
        continue;
      }
      const shapes = step.shapes(ins);
      if (step.alias) {
        const out = step.node.outputs[0]!;
        values.set(out, { buffer: ins[0]!.buffer, dtype: out.dtype, shape: shapes[0]!, size: ins[0]!.size });
        continue;
      }
      const outs = step.node.outputs.map((o, i) => pool.tensor(o.dtype, shapes[i]!));
      for (const t of outs) produced.push(t.buffer);
      step.encode!(pass, ins, outs, ctx);
      step.node.outputs.forEach((o, i) => values.set(o, outs[i]!));
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
    const outputs = opts?.readOutputs === false ? [] : await this.read(outs);
    for (const b of [...produced, ...temporary, ...metas]) if (!keep.has(b)) pool.release(b);
    return { outputs, updates };
  }

  /** Outputs known on the host are returned as they are; the rest come back in one download. */
  private async read(ts: readonly GpuTensor[]): Promise<NDArray[]> {
    const onDevice = ts.filter((t) => !t.host);
    const fetched = await download(this.device, onDevice);
    return ts.map((t) => t.host ?? fetched.shift()!);
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
