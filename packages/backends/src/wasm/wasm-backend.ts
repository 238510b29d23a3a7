import {
  Constant, HypatiaError, NDArray, SharedVariable, shapeSize,
  type Apply, type Backend, type DType, type Executable, type LowerSpec, type RunResult, type Variable,
} from '@hypatia/core';
import { resolveRegion, rowAt } from '@hypatia/ops/backend';
import { releaseSchedule } from '../native/buffer-plan.js';
import { WASM_REWRITES } from '../supported-rewrites.js';
import { PlanCache } from '../plan-cache.js';
import { buildFunctionModule, WasmKernelTable, type FunctionModule } from './function-module.js';
import { launchRecordBytes, writeLaunchRecord } from './launch-record.js';
import { BYTES, linearMemory, type LinearMemory } from './linear-memory.js';
import { regionParams } from './replay-checks.js';
import { planWasmStep, type PlannedWasmStep } from './steps/index.js';
import { WASM_OPTION_NAMES, parseWasmOptions } from './wasm-options.js';
import { threadPoolFor } from './wasm-threads.js';
import { WasmRecorder } from './wasm-recorder.js';
import { WasmReplayPlan } from './wasm-replay.js';
import { Block, type WasmRunContext, type WasmTensor } from './wasm-step.js';
import { WasmValue, sharedAddress } from './wasm-values.js';

/** A step of a compiled function: one a family planned, or an op's JS `perform` (a host step). */
type Step = PlannedWasmStep | { family: null; step: { node: Apply } };

/**
 * The wasm backend: a compiled function's kernels (each node's IR kernels printed as WebAssembly,
 * views, and the named routines) in one WebAssembly module, working in one linear memory where
 * shared variables stay between calls. The first call runs a JS executor that plans each node from
 * the operands' shapes and launches its kernels, and records the call; later calls with the same
 * shapes replay the recording in one call into the module (wasm-replay.ts), falling back to the JS
 * path when a check fails, which raises the op's error. Updates are written in place under the
 * borrow rule, as the native backend writes them. docs/wasm-backend.md describes it.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  /** It runs every op's IR kernels, as native does, so the fusions whose results native runs. */
  readonly supportedRewrites = WASM_REWRITES;
  readonly optionNames = WASM_OPTION_NAMES;

  /** `valueLabel`: the backend name its shared-variable values carry ('cpu' when that backend chose this one). */
  constructor(private readonly valueLabel = 'wasm') {}

  async lower(spec: LowerSpec): Promise<Executable> {
    const options = parseWasmOptions(spec.options, spec.name);
    const memory = linearMemory();
    const table = new WasmKernelTable(options.spans);
    const steps: Step[] = spec.graph.nodes.map((node) => planWasmStep(node, table) ?? { family: null, step: { node } });
    const module = await buildFunctionModule(table, memory, await threadPoolFor(memory, options.threads));
    return new WasmExecutable(spec, steps, table, module, memory, options.replay, this.valueLabel);
  }
}

/** What an executable holds in linear memory, freed when it is garbage-collected. */
interface Held { memory: LinearMemory; blocks: Set<number>; plans: WasmReplayPlan[] }
const dropped = new FinalizationRegistry<Held>(({ memory, blocks, plans }) => {
  for (const b of blocks) memory.free(b);
  for (const p of plans) p.free();
});

class WasmExecutable implements Executable {
  readonly backend = 'wasm';
  private readonly escaping: Set<Variable>;
  private readonly updateValues: Set<Variable>;
  private readonly pooled: Set<Variable>;
  private readonly releaseAfter: Variable[][];
  private readonly constants = new Map<Constant, WasmTensor>();
  private readonly held: Held;
  private readonly cache: PlanCache<WasmReplayPlan>;
  private record = { at: 0, bytes: 0 };
  /** The node whose step is running (for trap messages). */
  private current: Apply | null = null;
  /** Calls replayed, calls recorded, and replays a check sent back to the JS path. */
  readonly stats: PlanCache<WasmReplayPlan>['stats'];
  /** The ops no step family runs, which run their JS `perform` (host steps): by name, each once. */
  readonly hostOps: readonly string[];

  constructor(
    private readonly spec: LowerSpec,
    private readonly steps: readonly Step[],
    private readonly table: WasmKernelTable,
    private readonly module: FunctionModule,
    private readonly memory: LinearMemory,
    replayable: boolean,
    private readonly label: string,
  ) {
    this.escaping = new Set(spec.graph.outputs);
    this.updateValues = new Set(spec.graph.outputs.slice(spec.nOutputs));
    const kinds = steps.map((s) => ({ node: s.step.node, kind: s.family ? (s.family.output === 'alias' ? 'view' : s.family.kind) : 'host' }));
    this.pooled = new Set(steps.filter((s) => s.family?.output === 'kernel').flatMap((s) => s.step.node.outputs).filter((o) => !this.escaping.has(o)));
    this.releaseAfter = releaseSchedule(kinds, this.pooled, this.escaping);
    this.hostOps = [...new Set(steps.filter((s) => !s.family).map((s) => s.step.node.op.name))];
    this.cache = new PlanCache(replayable);
    this.stats = this.cache.stats;
    this.held = { memory, blocks: new Set(), plans: this.cache.plans };
    dropped.register(this, this.held);
    for (const v of [...steps.flatMap((s) => s.step.node.inputs), ...spec.graph.outputs]) {
      if (!(v instanceof Constant) || this.constants.has(v)) continue;
      const at = memory.alloc(v.value.data.byteLength);
      memory.write(at, v.value.data);
      this.held.blocks.add(at);
      this.constants.set(v, { dtype: v.dtype, shape: [...v.value.shape], block: new Block(at) });
    }
  }

  get kernelCount(): number {
    return this.steps.filter((s) => s.family?.output !== 'alias' || s.family.kind === 'slice').length;
  }

  describe(): string {
    const lines = this.steps.map(({ family, step }, i) => {
      const sig = `${step.node.op.toString()}(${step.node.inputs.map((v) => v.type.toString()).join(', ')})`;
      if (!family) return `  ${i}: host op ${sig} (JS perform)`;
      const note = family.note?.(step as never);
      return `  ${i}: ${family.kind} ${sig}${note ? ` ${note}` : ''}`;
    });
    if (this.hostOps.length) lines.push(`  host ops (JS perform between WebAssembly steps): ${this.hostOps.join(', ')}`);
    lines.push(`  module: ${this.table.list.length} functions, ${this.module.bytes} bytes, ${this.memory.shared ? 'shared ' : ''}memory`);
    const replay = this.cache.describe((p) => (p.moduleCalls === 1 ? 'one call into the module' : `${p.moduleCalls} calls into the module around host steps`));
    if (replay) lines.push(replay);
    return lines.join('\n');
  }

  async run(args: readonly NDArray[], opts?: { readOutputs?: boolean }): Promise<RunResult> {
    const readOutputs = opts?.readOutputs !== false;
    const replayed = this.cache.replay((plan) => plan.run(args, this.spec.name, readOutputs));
    if (replayed) return replayed;
    const rec = this.cache.recording ? new WasmRecorder() : undefined;
    const { result, outputs } = this.runJs(args, rec, readOutputs);
    if (rec) this.cache.recorded(rec.unreplayable ? null : () => WasmReplayPlan.build(rec.finish(outputs), this.spec.nOutputs, this.spec.updated, this.module, this.table, this.memory, this.label));
    return result;
  }

  /** One call on the JS path (with the precise errors), recorded when `rec` is given. */
  private runJs(args: readonly NDArray[], rec: WasmRecorder | undefined, readOutputs: boolean): { result: RunResult; outputs: WasmTensor[] } {
    const { memory, spec } = this;
    const live = new Set<number>();
    const fresh = new Set<Block>();
    const inUse = new Map<Variable, number>();
    const values = new Map<Variable, WasmTensor>();
    const alloc = (bytes: number): number => {
      const at = memory.alloc(bytes);
      live.add(at);
      return at;
    };
    const free = (at: number) => {
      if (live.delete(at)) memory.free(at);
    };
    try {
      spec.inputs.forEach((v, i) => {
        const a = args[i]!;
        const at = alloc(a.data.byteLength);
        memory.write(at, a.data);
        const t: WasmTensor = { dtype: a.dtype, shape: [...a.shape], block: new Block(at) };
        rec?.leaf(t.block, { kind: 'arg', index: i, dtype: a.dtype, shape: [...a.shape] });
        values.set(v, t);
      });
      const get = (v: Variable): WasmTensor => {
        const known = values.get(v);
        if (known) return known;
        let t: WasmTensor;
        if (v instanceof Constant) {
          t = this.constants.get(v)!;
          rec?.leaf(t.block, { kind: 'fixed', at: t.block.at });
        } else if (v instanceof SharedVariable) {
          const s = sharedAddress(v, memory);
          t = { dtype: v.dtype, shape: [...s.shape], block: new Block(s.at) };
          rec?.leaf(t.block, { kind: 'shared', variable: v, shape: [...s.shape] });
        } else throw new HypatiaError(spec.name, `no value for ${v} (${v.type})`, v.site);
        values.set(v, t);
        return t;
      };
      const scratch: number[] = [];
      const ctx = this.context(rec, alloc, fresh, inUse, scratch);
      for (const [i, { family, step }] of this.steps.entries()) {
        const node = step.node;
        this.current = node;
        const ins = node.inputs.map(get);
        if (family) setOutputs(node, family.run(step, ins, ctx), values);
        else this.runHost(node, ins, values, ctx, rec);
        for (const at of scratch.splice(0)) free(at);
        for (const v of this.releaseAfter[i]!) {
          const at = inUse.get(v);
          if (at === undefined) continue;
          inUse.delete(v);
          free(at);
        }
      }
      this.current = null;
      const outs = spec.graph.outputs.map(get);
      const outputs = readOutputs ? outs.slice(0, spec.nOutputs).map((t) => ctx.value(t)) : [];
      const claimed = new Set<Block>();
      const updates = outs.slice(spec.nOutputs).map((t) => {
        const bytes = shapeSize(t.shape) * BYTES[t.dtype];
        if (fresh.has(t.block) && !claimed.has(t.block)) {
          claimed.add(t.block);
          live.delete(t.block.at);
          return new WasmValue(this.label, t.dtype, t.shape, t.block.at, memory);
        }
        const at = memory.alloc(bytes);
        memory.copy(at, t.block.at, bytes);
        return new WasmValue(this.label, t.dtype, t.shape, at, memory);
      });
      return { result: { outputs, updates }, outputs: outs };
    } finally {
      this.current = null;
      for (const at of live) memory.free(at);
    }
  }

  private runHost(node: Apply, ins: readonly WasmTensor[], values: Map<Variable, WasmTensor>, ctx: WasmRunContext, rec: WasmRecorder | undefined): void {
    const outs = node.op.perform(ins.map((t) => ctx.value(t)), node, undefined);
    const tensors = node.outputs.map((o, k) => {
      const a = outs[k]!;
      const why = o.type.mismatch(a);
      if (why) throw new HypatiaError(node.op.name, `produced ${a.dtype}[${a.shape.join(', ')}] but its type says ${o.type}: ${why}`, node.site);
      const t = ctx.allocate(node, a.dtype, a.shape, k);
      this.memory.write(t.block.at, a.data);
      values.set(o, t);
      return t;
    });
    rec?.host(node, ins, tensors);
  }

  /** Writes a launch's record and runs it; a trap is an error naming the op and kernel. */
  private launch(k: number, blocks: readonly Block[], params: readonly number[]): boolean {
    const sig = this.table.signature(k);
    const bytes = launchRecordBytes(sig);
    if (bytes > this.record.bytes) {
      if (this.record.at) {
        this.memory.free(this.record.at);
        this.held.blocks.delete(this.record.at);
      }
      this.record = { at: this.memory.alloc(bytes), bytes };
      this.held.blocks.add(this.record.at);
    }
    writeLaunchRecord(this.memory.buffer, this.record.at, sig, params, blocks.map((b) => b.at));
    try {
      return this.module.kernels[k]!(this.record.at) !== 0;
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      const node = this.current;
      throw new HypatiaError(node?.op.name ?? this.spec.name, `kernel ${sig.name} trapped in WebAssembly (${e.message}) with parameters [${params.join(', ')}]`, node?.site);
    }
  }

  /** The JS path's side of the step runners: computes and checks in JS, and tells the recorder. */
  private context(rec: WasmRecorder | undefined, alloc: (bytes: number) => number, fresh: Set<Block>, inUse: Map<Variable, number>, scratch: number[]): WasmRunContext {
    const memory = this.memory;
    const ctx: WasmRunContext = {
      allocate: (node, dtype, shape, output = 0) => {
        const n = shapeSize(shape);
        const block = new Block(alloc(n * BYTES[dtype]));
        const out = node.outputs[output]!;
        if (this.updateValues.has(out)) {
          fresh.add(block);
          rec?.fresh(block, dtype, n);
        } else {
          rec?.pool(block, n * BYTES[dtype]);
          if (this.pooled.has(out)) inUse.set(out, block.at);
        }
        return { dtype, shape: [...shape], block };
      },
      scratch: (dtype, n) => {
        const at = alloc(n * BYTES[dtype]);
        scratch.push(at);
        const block = new Block(at);
        rec?.pool(block, n * BYTES[dtype]);
        return block;
      },
      launch: (k, blocks, params) => {
        rec?.launch(k, blocks, params);
        return this.launch(k, blocks, params);
      },
      launchElementwise: (k, ins, out, params) => {
        const blocks = [...ins.map((t) => t.block), out.block];
        rec?.launch(k, blocks, params, { ins, out });
        if (this.launch(k, blocks, params)) throw new Error(`wasm: elementwise kernel ${this.table.signature(k).name} reported a failed check`);
      },
      same: (scalars, kernels) => {
        if (!rec) return;
        scalars.forEach((s, i) => rec.same(kernels[i]!, s.block, ctx.value(s).item(), new Block(-1)));
      },
      region: (node, indices, x, scalars, kernel, view) => {
        const values = scalars.map((s) => ctx.value(s));
        const region = resolveRegion(indices, x.shape, values, node.op.name, node);
        const esize = BYTES[x.dtype];
        const block = view ? new Block(x.block.at + region.base * esize) : null;
        if (rec) {
          const steps = indices.map((a) => (a.kind === 'slice' && a.step !== null && typeof a.step === 'object' ? values[a.step.input]!.item() : null));
          rec.region(kernel, x.block, block, scalars.map((s) => s.block), regionParams(indices, x.shape, region, steps), esize);
        }
        return { region, block };
      },
      value: (t) => new NDArray(t.dtype, [...t.shape], memory.read(t.dtype, t.block.at, shapeSize(t.shape))),
      table: (_node, data) => {
        const at = alloc(Math.max(1, data.data.byteLength));
        memory.write(at, data.data);
        const block = new Block(at);
        rec?.data(block, new Uint8Array(data.data.buffer.slice(data.data.byteOffset, data.data.byteOffset + data.data.byteLength)));
        return { dtype: data.dtype, shape: [...data.shape], block };
      },
      // Step 0 runs with this context and is recorded as the loop's body; the others run unrecorded.
      loop: (k, steps, body, count) => {
        rec?.openLoop();
        const quiet = rec ? this.context(undefined, alloc, fresh, inUse, scratch) : ctx;
        let ran = steps;
        let stop0: WasmTensor | null = null;
        for (let t = 0; t < steps; t++) {
          const stop = body(t === 0 ? ctx : quiet, t);
          if (t === 0) stop0 = stop;
          if (stop && Boolean(ctx.value(stop).data[0])) { ran = t + 1; break; }
        }
        if (count) memory.write(count.block.at, Int32Array.of(ran));
        rec?.closeLoop(k, steps, stop0?.block ?? null, count?.block ?? null);
        return ran;
      },
      row: (parent, rowBytes, at, t) => {
        const block = new Block(parent.at + rowAt(at, t) * rowBytes);
        rec?.loopRow(block, parent, rowBytes, at);
        return block;
      },
    };
    return ctx;
  }
}

/** A step's result as the values of its node's outputs: one tensor, or one per output in order. */
function setOutputs(node: Apply, result: WasmTensor | readonly WasmTensor[], values: Map<Variable, WasmTensor>): void {
  const outs = Array.isArray(result) ? (result as readonly WasmTensor[]) : [result as WasmTensor];
  if (outs.length !== node.outputs.length) {
    throw new HypatiaError(node.op.name, `a wasm step produced ${outs.length} arrays for ${node.outputs.length} outputs`, node.site);
  }
  node.outputs.forEach((o, k) => values.set(o, outs[k]!));
}

export type { DType };
