import { HypatiaError, shapeSize, stridesOf } from '@hypatia/core';
import { ARange, AdvancedIncSubtensor, AdvancedSubtensor, Eye, LastWriteMask } from '@hypatia/ops';
import { broadcastIntoStrides, flatOffsets } from '@hypatia/ops/backend';
import { arangeKernelC, eyeKernelC, gatherKernelC, lastWriteMaskKernelC, scatterKernelC } from '../kernels/indexing-c.js';
import { family, type NativeStep } from '../step-family.js';

interface IndexStep extends NativeStep { kernel: number; axis: number }

/** x[..., idx0, idx1, ...] with integer arrays on adjacent axes; the offsets come through ctx (checked in C on replay). */
export const gather = family<IndexStep>({
  kind: 'gather',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof AdvancedSubtensor)) return null;
    const d = node.inputs[0]!.dtype;
    return { node, axis: op.axis, kernel: kernels.get(`gather:${d}`, (name) => gatherKernelC(name, d)) };
  },
  run(s, ins, ctx) {
    const x = ins[0]!;
    const idx = ins.slice(1);
    const ax = s.axis;
    const k = idx.length;
    const xs = stridesOf(x.shape);
    const { shape, offsets } = ctx.indexOffsets(s.node, idx, x.shape.slice(ax, ax + k), xs.slice(ax, ax + k), ax);
    const innerShape = x.shape.slice(ax + k);
    const out = ctx.allocate(s.node, x.dtype, [...x.shape.slice(0, ax), ...shape, ...innerShape]);
    const params = [shapeSize(x.shape.slice(0, ax)), shapeSize(x.shape.slice(ax)), offsets.length, shapeSize(innerShape)];
    if (out.size) ctx.launch(s.kernel, [x.data, offsets, out.data], Float64Array.from(params));
    return out;
  },
});

/** inc/set_subtensor by integer arrays: a copy of x with y added (or written) at the picked places. */
export const scatter = family<IndexStep>({
  kind: 'scatter',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof AdvancedIncSubtensor)) return null;
    const d = node.inputs[0]!.dtype;
    return { node, axis: op.axis, kernel: kernels.get(`scatter_${op.mode}:${d}`, (name) => scatterKernelC(name, d, op.mode)) };
  },
  run(s, ins, ctx) {
    const node = s.node;
    const [x, y] = [ins[0]!, ins[1]!];
    const idx = ins.slice(2);
    const ax = s.axis;
    const k = idx.length;
    const xs = stridesOf(x.shape);
    const { shape: bShape, offsets } = ctx.indexOffsets(node, idx, x.shape.slice(ax, ax + k), xs.slice(ax, ax + k), ax);
    const outerShape = x.shape.slice(0, ax);
    const innerShape = x.shape.slice(ax + k);
    const ys = broadcastIntoStrides(y.shape, node.inputs[1]!.type.shape, [...outerShape, ...bShape, ...innerShape]);
    if (typeof ys === 'string') throw new HypatiaError(node.op.name, `at run time: ${ys}`, node.site);
    const nb = bShape.length;
    const yOuter = flatOffsets(outerShape, ys.slice(0, ax));
    const yPicked = flatOffsets(bShape, ys.slice(ax, ax + nb));
    const yInner = flatOffsets(innerShape, ys.slice(ax + nb));
    const out = ctx.allocate(node, x.dtype, x.shape);
    const params = [yOuter.length, shapeSize(x.shape.slice(ax)), offsets.length, yInner.length, x.size];
    if (out.size) ctx.launch(s.kernel, [x.data, y.data, offsets, yOuter, yPicked, yInner, out.data], Float64Array.from(params));
    return out;
  },
});

/** last_write_mask: the index arrays' offsets through ctx (checked in C on replay), then which position writes each element last. */
export const lastWriteMask = family<IndexStep>({
  kind: 'last_write_mask',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof LastWriteMask)) return null;
    const d = op.dtype as 'float32' | 'float64';
    return { node, axis: op.axis, kernel: kernels.get(`last_write_mask:${d}`, (name) => lastWriteMaskKernelC(name, d)) };
  },
  run(s, [x, ...idx], ctx) {
    const ax = s.axis;
    const k = idx.length;
    const { shape, offsets } = ctx.indexOffsets(s.node, idx, x!.shape.slice(ax, ax + k), stridesOf(x!.shape).slice(ax, ax + k), ax);
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, shape);
    if (out.size) ctx.launch(s.kernel, [offsets, out.data], Float64Array.of(out.size));
    return out;
  },
});

interface ARangeStep extends NativeStep { kernel: number }

/** arange with run-time bounds (read and checked through ctx). */
export const arange = family<ARangeStep>({
  kind: 'arange',
  output: 'kernel',
  plan(node, kernels) {
    if (!(node.op instanceof ARange)) return null;
    const d = node.outputs[0]!.dtype;
    return { node, kernel: kernels.get(`arange:${d}`, (name) => arangeKernelC(name, d)) };
  },
  run(s, [start, stop, step], ctx) {
    const { length, bounds } = ctx.arange(s.node, start!, stop!, step!);
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, [length]);
    if (out.size) ctx.launch(s.kernel, [bounds, out.data], Float64Array.of(out.size));
    return out;
  },
});

interface EyeStep extends NativeStep { kernel: number; k: number }

/** eye with run-time counts: its shape comes from their values, which a replay checks are unchanged (through ctx). */
export const eye = family<EyeStep>({
  kind: 'eye',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof Eye)) return null;
    return { node, k: op.k, kernel: kernels.get(`eye:${op.dtype}`, (name) => eyeKernelC(name, op.dtype)) };
  },
  run(s, [n, m], ctx) {
    const [rows, cols] = ctx.sizes(s.node, [n!, m!], ['the row count', 'the column count']) as [number, number];
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, [rows, cols]);
    if (out.size) ctx.launch(s.kernel, [out.data], Float64Array.of(rows, cols, s.k));
    return out;
  },
});
