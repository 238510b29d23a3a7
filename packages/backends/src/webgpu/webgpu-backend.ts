/// <reference types="@webgpu/types" />
import {
  Constant, HypatiaError, NDArray, SharedVariable,
  type Apply, type Backend, type DeviceValue, type Executable, type LowerSpec, type RunResult, type Variable,
} from '@hypatia/core';
import { BufferPool, download, hostTensor, type GpuTensor } from './buffers.js';
import { Scan } from '@hypatia/ops/backend';
import { hostPlan, hostStep } from './host-eval.js';
import { deviceLostReason, getDevice, gpuDescription } from './device.js';
import { lowerNode, type EncodeContext, type Step } from './lowering.js';
import { CallIndexChecks, attachIndexChecks } from './index-checks.js';
import { fitsInPlace, planInPlace, type InPlaceTarget } from './in-place.js';
import { mirrorUpload, restoredAfterLoss, snapshot, snapshotsPending } from './host-mirror.js';
import { WEBGPU_OPTION_NAMES, parseWebGPUOptions, type WebGPUOptions } from './options.js';
import './views.js';
import './scan-step.js';
import './ifelse-step.js';
import { WEBGPU_REWRITES } from '../supported-rewrites.js';

/**
 * The WebGPU backend: every node becomes a WGSL compute kernel (or a view, for reshapes), all
 * recorded into one command buffer per call. Shared variables stay in GPU buffers between calls,
 * and only the outputs the caller reads come back. Ops run their IR kernels (ir-step.ts) unless a
 * routine takes them (lowering.ts); docs/webgpu.md describes buffers, in-place updates, index
 * checks and device loss.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly supportedRewrites = WEBGPU_REWRITES;
  readonly optionNames = WEBGPU_OPTION_NAMES;

  /** `valueLabel`: the backend name its shared-variable values carry ('cpu' when that backend chose this one). */
  constructor(private readonly valueLabel = 'webgpu') {}

  async lower(spec: LowerSpec): Promise<Executable> {
    const options = parseWebGPUOptions(spec.options, spec.name);
    const exe = new WebGPUExecutable(spec, options, this.valueLabel);
    await exe.build();
    return exe;
  }
}

/** A shared variable's value held on this device. */
class GpuValue implements DeviceValue {
  constructor(readonly tensor: GpuTensor, readonly device: GPUDevice, private readonly pool: BufferPool, readonly backend: string) {}
  get shape(): readonly number[] { return this.tensor.shape; }
  async read(): Promise<NDArray> {
    const lost = deviceLostReason(this.device);
    if (lost) throw new HypatiaError('webgpu', `this value lived on a GPU device that was ${lost}, and no host copy of it was kept (backendOptions.hostMirrorEvery was 0)`);
    return (await download(this.device, [this.tensor]))[0]!;
  }
  release(): void {
    this.pool.release(this.tensor.buffer);
  }
}

/** Device copies of shared variables' host values, by the version they were uploaded at. */
const uploaded = new WeakMap<GPUDevice, WeakMap<SharedVariable, { version: number; tensor: GpuTensor }>>();

/**
 * Index checks that ran on the GPU in a call that read nothing back; the next call on the device
 * (of any function) waits for them before it submits, and raises their error.
 */
const pendingChecks = new WeakMap<GPUDevice, { error: Promise<HypatiaError | null>; call: string }>();

class WebGPUExecutable implements Executable {
  private device!: GPUDevice;
  private pool!: BufferPool;
  private steps: Step[] = [];
  private constants = new Map<Constant, GpuTensor>();
  private inPlace = new Map<number, InPlaceTarget>();
  private calls = 0;
  /** The call whose updates the latest host snapshot copied. */
  private lastSnapshot = 0;
  /** Set once a call has raised the loss of `device`; the next call compiles for a fresh device. */
  private lossReported = false;

  constructor(private readonly spec: LowerSpec, private readonly options: WebGPUOptions, private readonly valueLabel: string) {}

  /** Lower every node for the current device (at compile time, and again after a device loss). */
  async build(): Promise<void> {
    const { spec } = this;
    const device = await getDevice();
    const host = hostPlan(spec);
    // A loop with until reads back the steps it ran, which its stacked outputs are cut to.
    const readBack = new Set(spec.graph.nodes.flatMap((n) => (n.op instanceof Scan && n.op.info.until ? [n.outputs[n.op.layout.count]!] : [])));
    const ctx = { onHost: (v: Variable) => host.known.has(v) || v instanceof Constant || readBack.has(v) };
    // All pipelines are requested at once and compile in parallel.
    const steps = await Promise.all(spec.graph.nodes.map((node) => (host.nodes.has(node) ? hostStep(node) : lowerNode(device, node, ctx))));
    // An index found bad on the GPU is only known after the call ran, and a call that reads a value
    // back mid-way has submitted part of its work: such graphs never overwrite a variable.
    const flagsOnGpu = steps.some((s) => s.checksOnGpu || s.hostOutputs?.length || s.readsBack?.some((i) => !ctx.onHost(s.node.inputs[i]!)));
    this.device = device;
    this.pool = sharedPool(device);
    this.steps = steps;
    this.constants = new Map();
    this.inPlace = this.options.inPlace && !flagsOnGpu ? await planInPlace(spec, steps) : new Map();
    this.lossReported = false;
  }

  get kernelCount(): number {
    return this.steps.filter((s) => !s.alias && !s.evaluate).length;
  }

  describe(): string {
    const inPlace = [...this.inPlace.values()].map((t) => t.sv.toString());
    return `  on ${gpuDescription()}${inPlace.length ? ` (updated in place: ${inPlace.join(', ')})` : ''}\n${this.steps.map((s, i) => `  ${i}: ${s.describe}`).join('\n')}`;
  }

  private sharedTensor(sv: SharedVariable, call: number): GpuTensor {
    const { device } = this;
    const dv = sv.deviceValue;
    if (dv instanceof GpuValue && dv.device === device) return dv.tensor;
    let cache = uploaded.get(device);
    if (!cache) { cache = new WeakMap(); uploaded.set(device, cache); }
    const cached = cache.get(sv);
    if (cached && cached.version === sv.version) return cached.tensor;
    if (cached) this.pool.release(cached.tensor.buffer);
    if (dv instanceof GpuValue && !sv.hostValue) {
      throw new HypatiaError(this.spec.name, `${sv} lived on a GPU device that was lost, and no host copy of it was kept (backendOptions.hostMirrorEvery was 0); set its value again`);
    }
    const value = sv.get({ borrow: true });
    const t = this.pool.upload(value);
    cache.set(sv, { version: sv.version, tensor: t });
    if (this.options.hostMirrorEvery > 0 && this.spec.updated.includes(sv)) {
      mirrorUpload(device, sv, value, `its host value, uploaded for call ${call} of '${this.spec.name}'`);
    }
    return t;
  }

  /** The error a call raises when its device is gone; the following call compiles for a new one. */
  private lostError(reason: string): HypatiaError {
    this.lossReported = true;
    const what = restoredAfterLoss(this.device) ?? 'no shared variable lived only on it';
    return new HypatiaError(this.spec.name, `the GPU device was ${reason}; ${what}. The next call compiles this function for a new device and continues from those values`);
  }

  async run(args: readonly NDArray[], opts?: { readOutputs?: boolean }): Promise<RunResult> {
    const lostBefore = deviceLostReason(this.device);
    if (lostBefore) {
      if (!this.lossReported) throw this.lostError(lostBefore);
      await this.build();
    }
    const { device, pool, spec } = this;
    const call = ++this.calls;
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
      if (v instanceof SharedVariable) return this.sharedTensor(v, call);
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
      scratch: (bytes) => {
        const b = pool.acquire(bytes);
        metas.push(b);
        return b;
      },
    };
    const checks = new CallIndexChecks(pool, device);
    checks.inPlace = this.inPlace.size > 0;
    attachIndexChecks(ctx, checks);
    /** Updates whose root kernel wrote into the variable's own buffer, by update index. */
    const writtenInPlace = new Map<number, GpuValue>();
    const produced: GPUBuffer[] = [];
    const releaseCall = () => {
      for (const b of [...produced, ...temporary, ...metas]) pool.release(b);
      checks.release();
    };

    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const popScopes = async () => {
      const validation = await device.popErrorScope().catch(() => null);
      const oom = await device.popErrorScope().catch(() => null);
      return { validation, oom };
    };
    let encoder = device.createCommandEncoder();
    let pass = encoder.beginComputePass();
    let passOpen = true;
    // A value a step needs on the host that the GPU computes (an ifelse's condition, the steps a
    // loop with until ran): submit what is encoded so far, read the values back, go on in a new
    // command buffer. Graphs that do this never update in place, so a later failure changes nothing.
    const readBack = async (ts: readonly GpuTensor[]) => {
      pass.end();
      passOpen = false;
      device.queue.submit([encoder.finish()]);
      const values = await download(device, ts);
      ts.forEach((t, i) => { t.host = values[i]!; });
      encoder = device.createCommandEncoder();
      pass = encoder.beginComputePass();
      passOpen = true;
    };
    try {
      for (const [s, step] of this.steps.entries()) {
        const ins = step.node.inputs.map(get);
        const missing = (step.readsBack ?? []).map((i) => ins[i]!).filter((t) => !t.host);
        if (missing.length) await readBack(missing);
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
        const target = this.inPlace.get(s);
        const dv = target?.sv.deviceValue;
        let outs: GpuTensor[];
        if (target && dv instanceof GpuValue && dv.device === device && fitsInPlace(target, dv.tensor, shapes[0]!, ins)) {
          outs = [dv.tensor];
          writtenInPlace.set(target.update, dv);
          target.encode(pass, ins, dv.tensor, ctx);
        } else {
          outs = step.node.outputs.map((o, i) => this.allocate(step.node, o, shapes[i]!));
          for (const t of outs) produced.push(t.buffer);
          step.encode!(pass, ins, outs, ctx);
        }
        step.node.outputs.forEach((o, i) => values.set(o, outs[i]!));
        if (step.hostOutputs?.length) await readBack(step.hostOutputs.map((i) => outs[i]!));
      }
      pass.end();
      passOpen = false;
      // Encoding went on while the GPU ran the earlier call; its index checks are read before this call runs.
      await this.raiseEarlierIndexError();
    } catch (e) {
      // Nothing was submitted (or only work before a read-back, which writes no variable): every variable keeps its value.
      if (passOpen) pass.end();
      await popScopes();
      releaseCall();
      throw e;
    }
    device.queue.submit([encoder.finish()]);
    const { validation, oom } = await popScopes();
    const lost = deviceLostReason(device);
    if (lost) { releaseCall(); throw this.lostError(lost); }
    const failure = oom ?? validation;
    if (failure) {
      releaseCall();
      throw new HypatiaError(spec.name, `the GPU rejected the call (${oom ? 'out of memory' : 'validation error'}): ${failure.message}; nothing ran and no shared variable was changed`);
    }

    const results = spec.graph.outputs.map(get);
    const keep = new Set<GPUBuffer>();
    const updates: GpuValue[] = results.slice(spec.nOutputs).map((t, u) => {
      const same = writtenInPlace.get(u);
      if (same && t.buffer === same.tensor.buffer && !keep.has(t.buffer)) { keep.add(t.buffer); return same; }
      // An update that is just another variable's buffer (x = y) gets its own copy, so values never alias.
      let own = t;
      if (!produced.includes(t.buffer) || keep.has(t.buffer)) own = this.copy(t);
      keep.add(own.buffer);
      return new GpuValue(own, device, pool, this.valueLabel);
    });
    const dropUpdates = () => updates.forEach((v, u) => { if (!writtenInPlace.has(u) || v !== writtenInPlace.get(u)) v.release(); });
    const wantOutputs = opts?.readOutputs !== false;
    const readChecks = checks.count > 0 && (wantOutputs || this.options.indexChecks === 'every-call');
    const outs = results.slice(0, spec.nOutputs);
    let outputs: NDArray[] = [];
    let checksReadLater = false;
    try {
      if (wantOutputs || readChecks) {
        const { values: read, flags } = await this.read(wantOutputs ? outs : [], readChecks ? checks.tensors() : []);
        outputs = read;
        const bad = await checks.firstError(flags);
        if (bad) throw new HypatiaError(bad.op, `${bad.detail}; no shared variable was changed`, bad.site);
      } else if (checks.count > 0) {
        const flags = download(device, checks.tensors());
        // The checked inputs stay out of the pool until the flags have been looked at.
        const error = flags.then((f) => checks.firstError(f), () => null).finally(() => checks.releaseInputs());
        pendingChecks.set(device, { error, call: `call ${call} of '${spec.name}'` });
        checksReadLater = true;
      }
    } catch (e) {
      for (const b of produced) if (!keep.has(b)) pool.release(b);
      for (const b of [...temporary, ...metas]) pool.release(b);
      checks.release();
      dropUpdates();
      const gone = deviceLostReason(device);
      throw gone ? this.lostError(gone) : e;
    }
    for (const b of [...produced, ...temporary, ...metas]) if (!keep.has(b)) pool.release(b);
    if (checksReadLater) checks.releaseFlags(); else checks.release();
    const every = this.options.hostMirrorEvery;
    // Every k-th call; while an earlier copy is still being mapped, the next call takes it instead (none waits).
    if (every > 0 && call - this.lastSnapshot >= every && !snapshotsPending()) {
      this.lastSnapshot = call;
      snapshot(device, spec.updated, updates.map((u) => u.tensor), `after call ${call} of '${spec.name}'`);
    }
    return { outputs, updates };
  }

  /** A fresh pool tensor for one output, with a clear error when it is larger than any buffer the device can hold. */
  private allocate(node: Apply, o: Variable, shape: number[]): GpuTensor {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    const limit = Math.min(this.device.limits.maxBufferSize, this.device.limits.maxStorageBufferBindingSize);
    if (bytes > limit) {
      throw new HypatiaError(node.op.name, `its output ${o} has shape [${shape.join(', ')}]: ${bytes} bytes, more than this GPU's largest buffer (${limit} bytes); nothing ran and no shared variable was changed`, node.site);
    }
    return this.pool.tensor(o.dtype, shape);
  }

  /** Raise (in this call, before it runs) the index error an earlier call found on the GPU. */
  private async raiseEarlierIndexError(): Promise<void> {
    const earlier = pendingChecks.get(this.device);
    if (!earlier) return;
    pendingChecks.delete(this.device);
    const bad = await earlier.error;
    if (bad) {
      throw new HypatiaError(bad.op, `${bad.detail} (found on the GPU in ${earlier.call}, which read no output back, so its updates were already applied; this call changed nothing)`, bad.site);
    }
  }

  /** Outputs known on the host are returned as they are; the rest and the index flags come back in one download. */
  private async read(ts: readonly GpuTensor[], flags: readonly GpuTensor[]): Promise<{ values: NDArray[]; flags: NDArray[] }> {
    const onDevice = ts.filter((t) => !t.host);
    const fetched = await download(this.device, [...onDevice, ...flags]);
    const flagValues = fetched.splice(onDevice.length);
    return { values: ts.map((t) => t.host ?? fetched.shift()!), flags: flagValues };
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
