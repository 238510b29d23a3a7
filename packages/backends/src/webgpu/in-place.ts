/// <reference types="@webgpu/types" />
import { Elemwise, SharedVariable, broadcastStrides, input, type DType, type LowerSpec, type ScalarExpr, type Variable } from '@hypatia/core';
import type { GpuTensor } from './buffers.js';
import { WORKGROUP, elementwiseMeta } from './kernels.js';
import { dispatch1d, pipeline, type EncodeContext, type Step } from './lowering.js';
import { WGSL_HELPERS, loadExpr, scalarToWGSL, storageType, storeExpr, wgslType } from './wgsl-scalar.js';

/**
 * Which updates are written straight into the shared variable's own buffer instead of a fresh
 * one. Decided at compile time from the graph, confirmed at run time by shapes:
 * - the update's root node is elementwise (one thread per output element reads only its own
 *   position of an input of the output's shape, so reading and writing one buffer is safe);
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
export async function planInPlace(device: GPUDevice, spec: LowerSpec, steps: readonly Step[]): Promise<Map<number, InPlaceTarget>> {
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
    if (step.alias || step.evaluate || !step.encode) return;
    // Elementwise roots get the in-place elementwise kernel; a product with an epilogue brings its own.
    if (!(root.op instanceof Elemwise) && !step.inPlace) return;
    const views = viewsOf(sv, steps);
    if (steps.slice(at + 1).some((s) => s.node.inputs.some((v) => views.has(v)))) return;
    if (results.some((r, i) => i !== spec.nOutputs + u && views.has(r))) return;
    const aliased = root.inputs.map((v) => views.has(v));
    if (!aliased.some(Boolean)) return;
    if (!(root.op instanceof Elemwise)) {
      pending.push(step.inPlace!(aliased).then((encode) => { if (encode) plan.set(at, { update: u, sv, aliased, encode }); }));
      return;
    }
    const op = root.op;
    const out = root.outputs[0]!;
    const formula = op.scalarFormula(root.inputs.map((v, i) => input(i, v.dtype)));
    const dtypes = root.inputs.map((v) => v.dtype);
    pending.push(pipeline(device, inPlaceElementwiseSource(formula, dtypes, aliased, out.dtype, out.ndim)).then((pipe) => {
      plan.set(at, {
        update: u, sv, aliased,
        encode: (pass, ins, o, ctx) => {
          const params = ctx.params(elementwiseMeta(o.shape, ins.map((t) => broadcastStrides(t.shape, o.shape))));
          const bound = ins.filter((_, i) => !aliased[i]).map((t) => t.buffer);
          dispatch1d(ctx.device, pass, pipe, [params, ...bound, o.buffer], Math.ceil(o.size / WORKGROUP));
        },
      });
    }));
  });
  await Promise.all(pending);
  return plan;
}

/**
 * kernels.ts's elementwise kernel with the aliased inputs read from `out` at the thread's own
 * position (they have the output's shape, so their strides are the identity). Its meta buffer is
 * the same (elementwiseMeta, strides for every input).
 */
function inPlaceElementwiseSource(formula: ScalarExpr, inDtypes: readonly DType[], aliased: readonly boolean[], outDtype: DType, nd: number): string {
  const bound = inDtypes.map((_, i) => i).filter((i) => !aliased[i]);
  const bindings = bound.map((i, b) => `@group(0) @binding(${b + 1}) var<storage, read> in${i}: array<${storageType(inDtypes[i]!)}>;`).join('\n');
  const walk = Array.from({ length: nd }, (_, j) => {
    const d = nd - 1 - j;
    return `{ let len = params[${1 + d}]; let c = rem % len; rem = rem / len; ${bound.map((i) => `o${i} += c * params[${1 + nd + i * nd + d}];`).join(' ')} }`;
  }).join('\n    ');
  const expr = scalarToWGSL(formula, (i) => (aliased[i] ? loadExpr(inDtypes[i]!, 'out[i]') : loadExpr(inDtypes[i]!, `in${i}[o${i}]`)));
  return `${WGSL_HELPERS}
@group(0) @binding(0) var<storage, read> params: array<u32>;
${bindings}
@group(0) @binding(${bound.length + 1}) var<storage, read_write> out: array<${storageType(outDtype)}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  ${bound.map((j) => `_ = in${j}[0];`).join(' ')}
  if (i >= params[0]) { return; }
  var rem = i;
  ${bound.map((j) => `var o${j} = 0u;`).join(' ')}
  ${walk}
  let v: ${wgslType(outDtype)} = ${expr};
  out[i] = ${storeExpr(outDtype, 'v')};
}`;
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
