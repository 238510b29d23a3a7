import {
  Constant, HypatiaError, NDArray, SharedVariable, shapeSize, stridesOf, typedArrayFor,
  type Apply, type TypedArray, type Backend, type DType, type Executable, type LowerSpec, type RunResult, type Variable,
} from '@hypatia/core';
import { type AxisIndex } from '@hypatia/ops';
import { resolveRegion, rowAt } from '@hypatia/ops/backend';
import { valueTable } from '../leaf-values.js';
import { addonSources, type AddonExports, type KernelSource } from './addon-source.js';
import { buildAddon, resolveBuildOptions } from './build-addon.js';
import { NATIVE_OPTION_NAMES, type NativeOptions } from './native-options.js';
import { BufferPool, releaseSchedule } from './buffer-plan.js';
import { KernelTable } from './kernel-table.js';
import { PlanRecorder } from './plan-recorder.js';
import { ReplayPlan, markNativeOwned } from './replay-plan.js';
import type { RunContext } from './run-context.js';
import type { NativeStep, StepFamily } from './step-family.js';
import { planNativeStep } from './steps/index.js';
import { NATIVE_REWRITES } from '../supported-rewrites.js';
import { PlanCache } from '../plan-cache.js';

/** A step of a compiled function: one a family planned, or an op's JS `perform` (a host step). */
type Step = { family: StepFamily; step: NativeStep } | { family: null; step: { node: Apply } };

/**
 * The native CPU backend, as Theano did it: one C source per compiled function, built with the
 * system compiler into a Node-API addon and cached on disk. Shapes are dynamic. The first call
 * runs in JS, which computes each node's shapes and checks, launches each kernel, and records
 * the call; later calls with the same shapes replay the recording in one native call (see
 * replay-plan.ts), falling back to the JS path when a check in C fails. Ops without a C kernel
 * run their JS `perform` between native steps (between native segments of a replay), so every
 * graph runs.
 */
export class NativeBackend implements Backend {
  readonly name = 'native';
  readonly supportedRewrites = NATIVE_REWRITES;
  readonly optionNames = NATIVE_OPTION_NAMES;
  async lower(spec: LowerSpec): Promise<Executable> {
    const options: NativeOptions = spec.options;
    const opts = resolveBuildOptions(options);
    const kernels = new KernelTable();
    const steps = spec.graph.nodes.map((node) => planStep(node, kernels));
    let addon: AddonExports | undefined;
    let path = '';
    if (kernels.list.length) {
      const built = await buildAddon<AddonExports>(addonSources(kernels.list, opts.jobs), opts);
      addon = built.exports;
      path = built.path;
      const threads = options.threads;
      if (typeof threads === 'number' && threads > 0) addon.setThreads(threads);
    }
    const replay = options.replay ?? process.env.HYPATIA_NATIVE_REPLAY !== '0';
    return new NativeExecutable(spec, steps, kernels.list, addon, path, replay !== false);
  }
}

function planStep(node: Apply, kernels: KernelTable): Step {
  return planNativeStep(node, kernels) ?? { family: null, step: { node } };
}

class NativeExecutable implements Executable {
  private readonly escaping: Set<Variable>;
  /** What host ops returned last call, which their `perform` may write into again. */
  private readonly previous = new Map<Apply, (NDArray | undefined)[]>();
  /** Buffers of kernel steps' outputs that stay inside the function, recycled by liveness. */
  private readonly pool = new BufferPool();
  private readonly pooled: Set<Variable>;
  private readonly releaseAfter: Variable[][];
  /** This call's pooled buffers still in use, by variable. */
  private readonly inUse = new Map<Variable, NDArray>();
  /** Scratch buffers of the step running now. */
  private readonly scratch: { dtype: DType; data: TypedArray }[] = [];
  private readonly cache: PlanCache<ReplayPlan>;
  /** Calls replayed, calls recorded, and replays a check in C sent back to the JS path (for tests and profiling). */
  readonly stats: PlanCache<ReplayPlan>['stats'];
  /** The ops no step family runs, which run their JS `perform` (host steps): by name, each once, in step order. */
  readonly hostOps: readonly string[];

  constructor(
    private readonly spec: LowerSpec,
    private readonly steps: readonly Step[],
    private readonly kernels: readonly KernelSource[],
    private readonly addon: AddonExports | undefined,
    private readonly path: string,
    replay: boolean,
  ) {
    this.escaping = new Set(spec.graph.outputs);
    const kinds = steps.map((s) => ({ node: s.step.node, kind: s.family ? (s.family.output === 'alias' ? 'view' : s.family.kind) : 'host' }));
    this.pooled = new Set(steps.filter((s) => s.family?.output === 'kernel').flatMap((s) => s.step.node.outputs).filter((o) => !this.escaping.has(o)));
    this.releaseAfter = releaseSchedule(kinds, this.pooled, this.escaping);
    this.cache = new PlanCache(replay && !!addon);
    this.stats = this.cache.stats;
    this.hostOps = [...new Set(steps.filter((s) => !s.family).map((s) => s.step.node.op.name))];
  }

  get kernelCount(): number {
    return this.steps.filter((s) => s.family?.output !== 'alias' || s.family.kind === 'slice').length;
  }

  describe(): string {
    const lines = this.steps.map(({ family, step }, i) => {
      const sig = `${step.node.op.toString()}(${step.node.inputs.map((v) => v.type.toString()).join(', ')})`;
      if (!family) return `  ${i}: host op ${sig} (JS perform)`;
      const note = family.note?.(step as never);
      const kernel = (step as NativeStep).kernel;
      const kind = family.label?.(step as never) ?? family.kind;
      const head = kernel === undefined ? kind : `native ${this.kernels[kernel]!.name} ${kind}`;
      return `  ${i}: ${head} ${sig}${note ? ` ${note}` : ''}`;
    });
    if (this.hostOps.length) lines.push(`  host ops (JS perform between native steps): ${this.hostOps.join(', ')}`);
    if (this.addon) lines.push(`  addon: ${this.path}`);
    const replay = this.cache.describe((p) => (p.nativeCalls === 1 ? 'one native call' : `${p.nativeCalls} native calls around host steps`));
    if (replay) lines.push(replay);
    return lines.join('\n');
  }

  async run(args: readonly NDArray[]): Promise<RunResult> {
    const replayed = this.cache.replay((plan) => plan.run(args));
    if (replayed) return replayed;
    const rec = this.cache.recording ? new PlanRecorder() : undefined;
    const result = this.runJs(args, rec);
    if (rec) this.cache.recorded(rec.unreplayable ? null : () => ReplayPlan.build(rec.finish(result.handed), this.spec.nOutputs, this.spec.updated, this.addon!));
    return result.result;
  }

  /** One call on the JS path (with the precise errors), recorded when `rec` is given. */
  private runJs(args: readonly NDArray[], rec: PlanRecorder | undefined): { result: RunResult; handed: { array: NDArray; handed: boolean }[] } {
    const { graph, inputs, nOutputs } = this.spec;
    const { values, get } = valueTable(this.spec.name, inputs, args);
    if (rec) this.recordLeaves(rec, args);
    // Arrays a kernel allocated this call for a variable that leaves the function: safe to hand out once.
    const owned = new Set<NDArray>();
    this.release([...this.inUse.keys()]); // left over by a call that threw
    for (const { dtype, data } of this.scratch.splice(0)) this.pool.put(dtype, data);
    const ctx = this.context(owned, rec);
    for (const [i, { family, step }] of this.steps.entries()) {
      const node = step.node;
      const ins = node.inputs.map(get);
      if (family) setOutputs(node, family.run(step, ins, ctx), values);
      else this.runHost(node, ins, values, owned, rec);
      for (const { dtype, data } of this.scratch.splice(0)) this.pool.put(dtype, data);
      this.release(this.releaseAfter[i]!);
    }
    // Hand out each owned array once; copy leaves, views and repeats so the caller never holds an
    // alias of an input, a weight or a buffer the next call overwrites.
    const handed = graph.outputs.map((o) => {
      const array = get(o);
      return { array, handed: owned.delete(array) };
    });
    const result = handed.map(({ array, handed: h }) => (h ? array : array.copy()));
    this.release([...this.inUse.keys()]);
    result.slice(nOutputs).forEach((a) => markNativeOwned(a.data));
    return { result: { outputs: result.slice(0, nOutputs), updates: result.slice(nOutputs) }, handed };
  }

  /** Names the buffers of the arguments, shared variables (read or updated) and constants for the recorder. */
  private recordLeaves(rec: PlanRecorder, args: readonly NDArray[]): void {
    args.forEach((a, index) => rec.leaf(a.data, { kind: 'arg', index, shape: [...a.shape] }));
    const leaves = new Set<Variable>(this.spec.updated);
    for (const { step } of this.steps) for (const v of step.node.inputs) if (!v.owner) leaves.add(v);
    for (const o of this.spec.graph.outputs) if (!o.owner) leaves.add(o);
    for (const v of leaves) {
      if (v instanceof SharedVariable) {
        const a = v.get({ borrow: true });
        rec.leaf(a.data, { kind: 'shared', variable: v, shape: [...a.shape] });
      } else if (v instanceof Constant) rec.leaf(v.value.data, { kind: 'static', data: v.value.data });
    }
  }

  private runHost(node: Apply, ins: NDArray[], values: Map<Variable, NDArray>, owned: Set<NDArray>, rec: PlanRecorder | undefined): void {
    const reuse = node.outputs.some((o) => this.escaping.has(o)) ? undefined : this.previous.get(node);
    const outs = node.op.perform(ins, node, reuse);
    rec?.host(node, ins, outs);
    node.outputs.forEach((o, k) => {
      const a = outs[k]!;
      if (!o.type.accepts(a.shape) || a.dtype !== o.dtype) {
        throw new HypatiaError(node.op.name, `produced ${a.dtype}[${a.shape.join(', ')}] but its type says ${o.type}`, node.site);
      }
      values.set(o, a);
      if (this.escaping.has(o) && !ins.some((x) => x.data === a.data)) owned.add(a);
    });
    // Never offer back an array that aliases an input: it may be a recycled buffer next call.
    if (!reuse) this.previous.set(node, outs.map((a) => (ins.some((x) => x.data === a.data) ? undefined : a)));
  }

  private release(vars: Iterable<Variable>): void {
    for (const v of vars) {
      const a = this.inUse.get(v);
      if (!a) continue;
      this.inUse.delete(v);
      this.pool.put(a.dtype, a.data);
    }
  }

  /** The JS path's side of the step runners: computes and checks in JS, and tells the recorder. */
  private context(owned: Set<NDArray>, rec: PlanRecorder | undefined): RunContext {
    const addon = this.addon;
    const ctx: RunContext = {
      allocate: (node, dtype, shape, output = 0) => {
        const n = shapeSize(shape);
        const out = node.outputs[output]!;
        if (!this.pooled.has(out)) {
          const a = new NDArray(dtype, [...shape], typedArrayFor(dtype, n));
          if (this.escaping.has(out)) owned.add(a);
          rec?.fresh(a.data, dtype);
          return a;
        }
        const a = new NDArray(dtype, [...shape], this.pool.take(dtype, n));
        this.inUse.set(out, a);
        rec?.pool(a.data);
        return a;
      },
      launch: (k, buffers, params) => {
        rec?.launch(k, buffers, params);
        return addon!.run(k, buffers, params) !== 0;
      },
      scratch: (dtype, n) => {
        const a = this.pool.take(dtype, n);
        this.scratch.push({ dtype, data: a });
        rec?.pool(a);
        return a;
      },
      same: (scalars) => rec?.same(scalars),
      launchElementwise: (k, ins, out, params) => {
        const buffers = [...ins.map((a) => a.data), out.data];
        rec?.launch(k, buffers, params, { ins, out });
        addon!.run(k, buffers, params);
      },
      launchUpdate: (k, buffers, params, { out, pointwise, anywhere }) => {
        rec?.launch(k, buffers, params, { ins: pointwise, out, anywhere });
        return addon!.run(k, buffers, params) !== 0;
      },
      slice: (node, indices, x, scalars) => sliceOf(node, indices, x, scalars, rec),
      view: (parent, offset, length) => {
        const v = parent.subarray(offset, offset + length);
        rec?.view(v, parent, offset);
        return v;
      },
      // Step 0 runs with this context and is recorded as the loop's body; the others run unrecorded.
      loop: (steps, body, count) => {
        rec?.openLoop();
        const quiet = rec ? this.context(owned, undefined) : ctx;
        let ran = steps;
        let stop0: NDArray | null = null;
        for (let t = 0; t < steps; t++) {
          const stop = body(t === 0 ? ctx : quiet, t);
          if (t === 0) stop0 = stop;
          if (stop && Boolean(stop.data[0])) { ran = t + 1; break; }
        }
        if (count) count.data[0] = ran;
        rec?.closeLoop(steps, stop0, count);
        return ran;
      },
      row: (parent, rowElements, at, t) => {
        const r = rowAt(at, t);
        const v = parent.subarray(r * rowElements, (r + 1) * rowElements);
        rec?.loopRow(v, parent, rowElements, at);
        return v;
      },
      truth: (cond) => rec?.truth(cond),
      notReplayable: (why) => { if (rec) rec.unreplayable ??= why; },
    };
    return ctx;
  }
}

/** A step's result as the values of its node's outputs: one array, or one per output in order. */
function setOutputs(node: Apply, result: NDArray | readonly NDArray[], values: Map<Variable, NDArray>): void {
  const outs = result instanceof NDArray ? [result] : result;
  if (outs.length !== node.outputs.length) {
    throw new HypatiaError(node.op.name, `a native step produced ${outs.length} arrays for ${node.outputs.length} outputs`, node.site);
  }
  node.outputs.forEach((o, k) => values.set(o, outs[k]!));
}

/** A basic index resolved against run-time bounds: a view of x's data from the region's start. */
function sliceOf(node: Apply, indices: readonly AxisIndex[], x: NDArray, scalars: readonly NDArray[], rec: PlanRecorder | undefined) {
  const region = resolveRegion(indices, x.shape, scalars, node.op.name, node);
  const n = shapeSize(region.shape);
  const dense = stridesOf(region.shape);
  const contiguous = region.strides.every((st, d) => region.shape[d] === 1 || st === dense[d]);
  const data = contiguous ? x.data.subarray(region.base, region.base + n) : x.data.subarray(region.base);
  rec?.slice(data, x, indices, scalars, region.shape, region.strides);
  return { region, contiguous, data };
}

export type { DType };
