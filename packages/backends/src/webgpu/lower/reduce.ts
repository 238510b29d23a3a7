import { ElemwiseSum, broadcastStrides, elementwiseRunShape, stridesOf, type DType, type ScalarExpr } from '@hypatia/core';
/// <reference types="@webgpu/types" />
import { Sum } from '@hypatia/ops';
import { ROUTINES, dispatch1d, pipeline, type EncodeContext } from '../lowering.js';
import type { GpuTensor } from '../buffers.js';
import { WORKGROUP, WORKGROUP_SUM_TAIL, sumSource } from '../kernels.js';
import { WGSL_HELPERS, loadExpr, scalarToWGSL, storageType, wgslType } from '../wgsl-scalar.js';

// sum: one workgroup per output element, partial sums combined in a workgroup-memory tree.
ROUTINES.set(Sum, (node, { axes, keepdims }) => async (device) => {
  const x = node.inputs[0]!;
  const out = node.outputs[0]!;
  const kept = Array.from({ length: x.ndim }, (_, i) => i).filter((i) => !axes.includes(i));
  const pipe = await pipeline(device, sumSource(x.dtype, out.dtype, kept.length, axes.length));
  return {
    node,
    describe: `sum over axes [${axes.join(', ')}] (workgroup tree)`,
    shapes: ([t]) => [reducedShape(t!.shape, axes, keepdims)],
    encode: (pass, [t], [o], ctx) => dispatchReduction(pass, ctx, pipe, t!.shape, [contiguous(t!)], o!, axes, kept),
  };
});

// elemwise_sum: the same reduction with the formula as its prologue: each thread evaluates the
// formula on the operands' elements (broadcast by strides) and adds the value; nothing is stored
// in between.
ROUTINES.set(ElemwiseSum, (node, op) => async (device) => {
  const { axes, keepdims } = op;
  const nd = node.outputs[0]!.ndim + (keepdims ? 0 : axes.length);
  const kept = Array.from({ length: nd }, (_, i) => i).filter((i) => !axes.includes(i));
  const dtypes = node.inputs.map((v) => v.dtype);
  const pipe = await pipeline(device, elemwiseSumSource(op.formula, dtypes, op.outDtype, kept.length, axes.length));
  const iterationShape = (ins: readonly GpuTensor[]): number[] => elementwiseRunShape(node, ins.map((t) => t.shape));
  return {
    node,
    describe: `sum over axes [${axes.join(', ')}] of an elementwise formula (${dtypes.length} inputs, workgroup tree)`,
    shapes: (ins) => [reducedShape(iterationShape(ins), axes, keepdims)],
    encode: (pass, ins, [o], ctx) => {
      const shape = iterationShape(ins);
      dispatchReduction(pass, ctx, pipe, shape, ins.map((t) => ({ buffer: t.buffer, strides: broadcastStrides(t.shape, shape) })), o!, axes, kept);
    },
  };
});

function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  return shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
}

/** An operand a reduction reads: its buffer and its element strides over the iteration shape (0 where it broadcasts). */
export interface ReductionOperand {
  buffer: GPUBuffer;
  strides: readonly number[];
}

/** A tensor read in place: its own shape is the iteration shape. */
export function contiguous(t: GpuTensor): ReductionOperand {
  return { buffer: t.buffer, strides: stridesOf(t.shape) };
}

/**
 * One workgroup per output element, for every reduction kernel of this backend, over iteration
 * shape `shape`. params: [nOut, nRed, keptShape, keptStrides of each operand, reducedShape,
 * reducedStrides of each operand] (with one operand, the layout sumSource reads).
 */
export function dispatchReduction(
  pass: GPUComputePassEncoder, ctx: EncodeContext, pipe: GPUComputePipeline,
  shape: readonly number[], operands: readonly ReductionOperand[], o: GpuTensor, axes: readonly number[], kept: readonly number[],
): void {
  const nRed = axes.reduce((a, i) => a * shape[i]!, 1);
  const nOut = kept.reduce((a, i) => a * shape[i]!, 1);
  const params = ctx.params(Uint32Array.from([
    nOut, nRed,
    ...kept.map((i) => shape[i]!), ...operands.flatMap((x) => kept.map((i) => x.strides[i]!)),
    ...axes.map((i) => shape[i]!), ...operands.flatMap((x) => axes.map((i) => x.strides[i]!)),
  ]));
  dispatch1d(ctx.device, pass, pipe, [params, ...operands.map((x) => x.buffer), o.buffer], nOut);
}

/**
 * sumSource with m operands and a formula: one workgroup per output element, each thread walks its
 * share of the reduced elements, computing every operand's offset from the kept and reduced
 * indices, evaluating the formula (rounded to its dtype, as the reference stores it) and adding it
 * to the accumulator of the output's dtype (booleans count as i32).
 */
export function elemwiseSumSource(formula: ScalarExpr, inDtypes: readonly DType[], outDtype: DType, ndKept: number, ndRed: number): string {
  const m = inDtypes.length;
  const acc = wgslType(outDtype);
  const ins = inDtypes.map((_, i) => i);
  const R = 2 + (m + 1) * ndKept;
  const walk = (index: string, n: number, shapeAt: number, offset: (i: number) => string) => Array.from({ length: n }, (_, j) => {
    const d = n - 1 - j;
    return `{ let len = params[${shapeAt + d}]; let c = ${index} % len; ${index} = ${index} / len; ${ins.map((i) => `${offset(i)} += c * params[${shapeAt + n * (i + 1) + d}];`).join(' ')} }`;
  }).join('\n    ');
  const expr = scalarToWGSL(formula, (i) => loadExpr(inDtypes[i]!, `in${i}[o${i}]`));
  const value = formula.dtype === 'bool' ? 'i32(v)' : formula.dtype === outDtype ? 'v' : `${acc}(v)`;
  return `${WGSL_HELPERS}
@group(0) @binding(0) var<storage, read> params: array<u32>;
${ins.map((i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${storageType(inDtypes[i]!)}>;`).join('\n')}
@group(0) @binding(${m + 1}) var<storage, read_write> out: array<${acc}>;
var<workgroup> partial: array<${acc}, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // Every binding is statically used, so the automatic layout keeps the ones a formula ignores.
  ${ins.map((i) => `_ = in${i}[0];`).join(' ')}
  let o = wid.x + wid.y * nwg.x;
  let inRange = o < params[0];
  var rem = o;
  ${ins.map((i) => `var b${i} = 0u;`).join(' ')}
  ${walk('rem', ndKept, 2, (i) => `b${i}`)}
  var total: ${acc} = ${acc}(0);
  if (inRange) {
    for (var r = lid.x; r < params[1]; r += ${WORKGROUP}u) {
      var q = r;
      ${ins.map((i) => `var o${i} = b${i};`).join(' ')}
      ${walk('q', ndRed, R, (i) => `o${i}`)}
      let v: ${wgslType(formula.dtype)} = ${expr};
      total += ${value};
    }
  }
  ${WORKGROUP_SUM_TAIL}
}`;
}
