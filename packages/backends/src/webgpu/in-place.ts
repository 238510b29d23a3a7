/// <reference types="@webgpu/types" />
import type { LowerSpec, SharedVariable, Variable } from '@hypatia/core';
import type { GpuTensor } from './buffers.js';
import type { EncodeContext, Step } from './lowering.js';

/**
 * Which updates are written straight into the shared variable's own buffer instead of a fresh
 * one. Decided at compile time from the graph, confirmed at run time by shapes:
 * - the update's root step can write in place (Step.inPlace): an elementwise node's kernels (a
 *   point reads only its own position of an input of the output's shape, so reading and writing
 *   one buffer is safe), or a product whose epilogue reads the variable;
 * - no later step reads the old value (the variable or a reshape view of it), and no output
 *   returns it, so everything that needs the old value has run before the overwrite;
 * - at run time: the variable's value is a buffer it owns on this device, the root's output has
 *   its shape, and every root input sharing its buffer has that same shape.
 * A call that fails before its submit leaves the old value, since nothing has run yet; a command
 * buffer the GPU rejects runs nothing either.
 */
export interface InPlaceTarget {
  /** The index of the update (into spec.updated). */
  update: number;
  sv: SharedVariable;
  /** Which of the root's inputs are the variable itself (read from the output buffer). */
  aliased: boolean[];
  /** The root's kernel with those inputs read from `out`: WebGPU forbids binding one buffer read-only and read-write in one dispatch. */
  encode(pass: GPUComputePassEncoder, ins: readonly GpuTensor[], out: GpuTensor, ctx: EncodeContext): void;
}

/** Steps (by index) whose output is an update written in place, with their in-place kernels (created now, at compile time). */
export async function planInPlace(spec: LowerSpec, steps: readonly Step[]): Promise<Map<number, InPlaceTarget>> {
  const plan = new Map<number, InPlaceTarget>();
  const pending: Promise<void>[] = [];
  const stepOf = new Map(steps.map((s, i) => [s.node, i]));
  const results = spec.graph.outputs;
  spec.updated.forEach((sv, u) => {
    const value = results[spec.nOutputs + u]!;
    const root = value.owner;
    if (!root || root.outputs.length !== 1) return;
    const at = stepOf.get(root);
    if (at === undefined || plan.has(at)) return;
    const step = steps[at]!;
    if (step.alias || step.evaluate || !step.encode || !step.inPlace) return;
    const views = viewsOf(sv, steps);
    if (steps.slice(at + 1).some((s) => s.node.inputs.some((v) => views.has(v)))) return;
    if (results.some((r, i) => i !== spec.nOutputs + u && views.has(r))) return;
    const aliased = root.inputs.map((v) => views.has(v));
    if (!aliased.some(Boolean)) return;
    pending.push(step.inPlace(aliased).then((encode) => { if (encode) plan.set(at, { update: u, sv, aliased, encode }); }));
  });
  await Promise.all(pending);
  return plan;
}

/** The variable and every reshape view of it (alias steps share its buffer). */
function viewsOf(sv: SharedVariable, steps: readonly Step[]): Set<Variable> {
  const views = new Set<Variable>([sv]);
  for (const s of steps) if (s.alias && views.has(s.node.inputs[0]!)) views.add(s.node.outputs[0]!);
  return views;
}

/** The run-time half: whether `target`'s buffer can take the root's output, given its inputs and output shape. */
export function fitsInPlace(plan: InPlaceTarget, target: GpuTensor, outShape: readonly number[], ins: readonly GpuTensor[]): boolean {
  const same = (s: readonly number[]) => s.length === target.shape.length && s.every((d, i) => d === target.shape[i]);
  return same(outShape) && ins.every((t, i) => (plan.aliased[i] ? t.buffer === target.buffer && same(t.shape) : t.buffer !== target.buffer));
}
