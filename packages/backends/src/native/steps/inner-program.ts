import { HypatiaError, NDArray, kernelKey, shapeSize, type Apply, type DType, type InnerGraph, type TypedArray, type Variable } from '@hypatia/core';
import { stridedCopyKernel } from '@hypatia/ops/backend';
import { kernelToC } from '../c-printer.js';
import type { KernelTable } from '../kernel-table.js';
import type { RunContext } from '../run-context.js';
import { planNativeStep, type PlannedStep } from './index.js';

/** An inner graph (a loop's body, a branch) as native steps, planned into the compiled function's own kernel table. */
export interface InnerProgram {
  readonly graph: InnerGraph;
  readonly steps: readonly { readonly node: Apply; readonly planned: PlannedStep | null }[];
}

export function planInner(graph: InnerGraph, kernels: KernelTable): InnerProgram {
  return { graph, steps: graph.nodes.map((node) => ({ node, planned: planNativeStep(node, kernels) })) };
}

/** The ops of an inner program that run their JS perform (so its calls are not replayed). */
export function innerHostOps(p: InnerProgram): string[] {
  return [...new Set(p.steps.filter((s) => !s.planned).map((s) => s.node.op.name))];
}

/**
 * Runs an inner program, as the executor runs the function's own steps. Every value gets a
 * buffer of its own from the step's scratch (recorded as arena slots), kept from one run to the
 * next: a loop's steps have the same shapes, so later steps reuse step 0's buffers and a replayed
 * loop body writes where step 0 did.
 */
export class InnerRun {
  private readonly buffers = new Map<Apply, NDArray[]>();
  private readonly scratches: TypedArray[] = [];

  constructor(private readonly program: InnerProgram) {}

  run(inputs: readonly NDArray[], ctx: RunContext): NDArray[] {
    const { graph, steps } = this.program;
    const values = new Map<Variable, NDArray>();
    graph.inputs.forEach((v, i) => values.set(v, inputs[i]!));
    const get = (v: Variable): NDArray => values.get(v) ?? constantValue(v);
    let scratchAt = 0;
    const inner: RunContext = {
      ...ctx,
      allocate: (node, dtype, shape, output = 0) => {
        const kept = this.buffers.get(node) ?? [];
        const hit = kept[output];
        if (hit && hit.dtype === dtype && sameShape(hit.shape, shape)) return hit;
        kept[output] = new NDArray(dtype, [...shape], ctx.scratch(dtype, shapeSize(shape)));
        this.buffers.set(node, kept);
        return kept[output]!;
      },
      scratch: (dtype, n) => {
        const at = scratchAt++;
        const hit = this.scratches[at];
        if (hit && hit.length === n && dtypeOf(hit) === dtype) return hit;
        this.scratches[at] = ctx.scratch(dtype, n);
        return this.scratches[at]!;
      },
    };
    for (const { node, planned } of steps) {
      const ins = node.inputs.map(get);
      let outs: readonly NDArray[];
      if (planned) {
        const r = planned.family.run(planned.step, ins, inner);
        outs = r instanceof NDArray ? [r] : r;
      } else {
        ctx.notReplayable(`${node.op.name} runs its JS perform inside a loop or a branch`);
        outs = node.op.perform(ins, node);
      }
      if (outs.length !== node.outputs.length) throw new HypatiaError(node.op.name, `a native step produced ${outs.length} arrays for ${node.outputs.length} outputs`, node.site);
      node.outputs.forEach((o, k) => values.set(o, outs[k]!));
    }
    return graph.outputs.map(get);
  }
}

/** The kernel that copies rows between buffers (one contiguous run of elements), per dtype. */
export function copyKernel(kernels: KernelTable, dtype: DType): number {
  const k = stridedCopyKernel(`copy_${dtype}`, dtype, 1);
  return kernels.get(`ir:${kernelKey(k)}`, (name) => kernelToC(k, name), { checked: true });
}

/** Copy `n` elements from `src` to `dst` with a copy kernel. */
export function copyElements(ctx: RunContext, kernel: number, src: TypedArray, dst: TypedArray, n: number): void {
  if (n > 0) ctx.launch(kernel, [src, dst], Float64Array.of(n, 1, 1, 0, 0));
}

function constantValue(v: Variable): NDArray {
  const value = (v as { value?: NDArray }).value;
  if (!value) throw new HypatiaError('inner graph', `no value for ${v}`, v.site);
  return value;
}

function dtypeOf(a: TypedArray): DType {
  return a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : 'bool';
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
