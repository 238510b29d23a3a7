import { ElemwiseSum, broadcastStrides, formulaKey, shapeSize, stridesOf, type Apply, type NDArray } from '@hypatia/core';
import { ArgExtremum, Extremum, Prod, Sum } from '@hypatia/ops';
import { checkNotEmpty, flatOffsets, reducedShape } from '@hypatia/ops/backend';
import { elemwiseSumKernelC, elemwiseSumParams, foldKernelC, type Fold } from '../kernels/fold-c.js';
import { argExtremumKernelC } from '../kernels/indexing-c.js';
import { elementwiseShape, sumParams } from '../kernel-params.js';
import { family, type NativeStep } from '../step-family.js';
import type { RunContext } from '../run-context.js';

interface ReduceStep extends NativeStep { kernel: number; axes: readonly number[]; keepdims: boolean; fold: Fold }

/** Sum, prod, max and min over any axes. */
export const reduce = family<ReduceStep>({
  kind: 'reduce',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof Sum || op instanceof Prod || op instanceof Extremum)) return null;
    const fold: Fold = op instanceof Sum ? 'sum' : op instanceof Prod ? 'prod' : op.kind;
    const [i, o] = [node.inputs[0]!.dtype, node.outputs[0]!.dtype];
    return { node, fold, axes: op.axes, keepdims: op.keepdims, kernel: kernels.get(`${fold}:${i}:${o}`, (name) => foldKernelC(name, fold, i, o)) };
  },
  run(s, [x], ctx) {
    if (s.fold === 'max' || s.fold === 'min') checkNotEmpty(s.node.op.name, x!, s.axes, s.node);
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, reducedShape(x!.shape, s.axes, s.keepdims));
    if (x!.size === 0) ctx.fill(out.data, out.dtype, s.fold === 'prod' ? 1 : 0);
    else if (out.size) ctx.launch(s.kernel, [x!.data, out.data], sumParams(x!.shape, s.axes, out.size));
    return out;
  },
});

interface ElemwiseSumStep extends NativeStep { kernel: number; axes: readonly number[] }

/** A sum of an elementwise formula (reduction_fusion's ElemwiseSum) in one pass: the formula's values are never stored. */
export const elemwiseSum = family<ElemwiseSumStep>({
  kind: 'elemwise_sum',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof ElemwiseSum)) return null;
    const ins = node.inputs.map((v) => v.dtype);
    const out = node.outputs[0]!.dtype;
    const kernel = kernels.get(`esum:${ins.join(',')}:${out}:${formulaKey(op.formula)}`, (name) => elemwiseSumKernelC(name, op.formula, ins, out));
    return { node, kernel, axes: op.axes };
  },
  run(s, ins, ctx) {
    const shape = elementwiseShape(s.node, ins);
    const op = s.node.op as ElemwiseSum;
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, reducedShape(shape, op.axes, op.keepdims));
    if (!out.size) return out;
    if (shapeSize(shape)) ctx.launch(s.kernel, [...ins.map((a) => a.data), out.data], elemwiseSumParams(shape, op.axes, ins.map((a) => broadcastStrides(a.shape, shape))));
    else ctx.fill(out.data, out.dtype, 0);
    return out;
  },
});

interface ArgStep extends NativeStep { kernel: number; axes: readonly number[]; keepdims: boolean }

export const argExtremum = family<ArgStep>({
  kind: 'arg_extremum',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof ArgExtremum)) return null;
    const d = node.inputs[0]!.dtype;
    return { node, axes: op.axes, keepdims: op.keepdims, kernel: kernels.get(`arg${op.kind}:${d}`, (name) => argExtremumKernelC(name, d, op.kind)) };
  },
  run(s, [x], ctx: RunContext) {
    return runArgExtremum(s.node, s, x!, ctx);
  },
});

function runArgExtremum(node: Apply, s: ArgStep, x: NDArray, ctx: RunContext): NDArray {
  checkNotEmpty(node.op.name, x, s.axes, node);
  const xs = stridesOf(x.shape);
  const kept = x.shape.map((_, a) => a).filter((a) => !s.axes.includes(a));
  const keptOffsets = flatOffsets(kept.map((a) => x.shape[a]!), kept.map((a) => xs[a]!));
  const reducedOffsets = flatOffsets(s.axes.map((a) => x.shape[a]!), s.axes.map((a) => xs[a]!));
  const out = ctx.allocate(node, 'int32', reducedShape(x.shape, s.axes, s.keepdims));
  if (out.size) ctx.launch(s.kernel, [x.data, keptOffsets, reducedOffsets, out.data], Float64Array.of(out.size, reducedOffsets.length));
  return out;
}
