import { Constant, HypatiaError, shapeSize, type Apply, type DType, type InnerGraph, type Variable } from '@hypatia/core';
import { stridedCopyKernel, stridedCopyLaunch } from '@hypatia/ops/backend';
import type { WasmKernelTable } from '../function-module.js';
import type { Block, WasmRunContext, WasmTensor } from '../wasm-step.js';
import { planWasmStep, type PlannedWasmStep } from './index.js';

/** An inner graph (a loop's body, a branch) as wasm steps, planned into the compiled function's own module. */
export interface InnerProgram {
  readonly graph: InnerGraph;
  readonly steps: readonly { readonly node: Apply; readonly planned: PlannedWasmStep }[];
}

/**
 * The inner graph's steps, or null when a node of it (or of a graph inside it) has no step and
 * would run its JS perform: a loop or branch holding one runs as a host op itself, on the
 * reference semantics, rather than calling back to JavaScript from inside the module.
 */
export function planInner(graph: InnerGraph, table: WasmKernelTable): InnerProgram | null {
  const steps: { node: Apply; planned: PlannedWasmStep }[] = [];
  for (const node of graph.nodes) {
    const planned = planWasmStep(node, table);
    if (!planned) return null;
    steps.push({ node, planned });
  }
  return { graph, steps };
}

/**
 * Runs an inner program, as the executor runs the function's own steps. Every value gets a block
 * of its own from the step's scratch (arena slots in a recording), kept from one run to the next:
 * a loop's steps have the same shapes, so later steps write where step 0 did, which is what a
 * replayed loop body does. Constants are placed once per run of the node, as tables the plan keeps.
 */
export class InnerRun {
  private readonly buffers = new Map<Apply, WasmTensor[]>();
  private readonly scratches: { dtype: DType; n: number; block: Block }[] = [];
  private readonly constants = new Map<Variable, WasmTensor>();

  /** `owner`: the node holding the graph (the Scan or IfElse), named in errors. */
  constructor(private readonly program: InnerProgram, private readonly owner: Apply) {}

  run(inputs: readonly WasmTensor[], ctx: WasmRunContext): WasmTensor[] {
    const { graph, steps } = this.program;
    const values = new Map<Variable, WasmTensor>();
    graph.inputs.forEach((v, i) => values.set(v, inputs[i]!));
    let scratchAt = 0;
    const inner: WasmRunContext = {
      ...ctx,
      allocate: (node, dtype, shape, output = 0) => {
        const kept = this.buffers.get(node) ?? [];
        const hit = kept[output];
        if (hit && hit.dtype === dtype && sameShape(hit.shape, shape)) return hit;
        kept[output] = { dtype, shape: [...shape], block: ctx.scratch(dtype, Math.max(1, shapeSize(shape))) };
        this.buffers.set(node, kept);
        return kept[output]!;
      },
      scratch: (dtype, n) => {
        const at = scratchAt++;
        const hit = this.scratches[at];
        if (hit && hit.n === n && hit.dtype === dtype) return hit.block;
        this.scratches[at] = { dtype, n, block: ctx.scratch(dtype, n) };
        return this.scratches[at]!.block;
      },
    };
    const get = (v: Variable): WasmTensor => {
      const known = values.get(v) ?? this.constants.get(v);
      if (known) return known;
      if (!(v instanceof Constant)) throw new HypatiaError(this.owner.op.name, `no value for ${v} (${v.type}) in its inner graph`, this.owner.site);
      const t = ctx.table(this.owner, v.value);
      this.constants.set(v, t);
      return t;
    };
    for (const { node, planned } of steps) {
      const r = planned.family.run(planned.step, node.inputs.map(get), inner);
      const outs = Array.isArray(r) ? (r as readonly WasmTensor[]) : [r as WasmTensor];
      if (outs.length !== node.outputs.length) throw new HypatiaError(node.op.name, `a wasm step produced ${outs.length} arrays for ${node.outputs.length} outputs`, node.site);
      node.outputs.forEach((o, k) => values.set(o, outs[k]!));
    }
    return graph.outputs.map(get);
  }
}

/** The kernel that copies a contiguous run of elements of a dtype, in this function's module. */
export function copyFunction(table: WasmKernelTable, dtype: DType): number {
  return table.kernel(stridedCopyKernel(`copy_${dtype}`, dtype, 1));
}

/** Copies `n` elements from `src` (from element `srcOffset` on) to `dst` with a copy function. */
export function copyElements(ctx: WasmRunContext, k: number, src: Block, dst: Block, n: number, srcOffset = 0): void {
  if (n > 0) ctx.launch(k, [src, dst], stridedCopyLaunch(0, { input: 0 }, { output: 0 }, [n], [1], [1], srcOffset).params);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
