import { HypatiaError, shapeSize, stridesOf, type DType } from '@hypatia/core';
import { Concatenate, ConcatenatePart, IncSubtensor } from '@hypatia/ops';
import { broadcastIntoStrides } from '@hypatia/ops/backend';
import { collapseAxes } from '../kernel-params.js';
import type { KernelTable } from '../kernel-table.js';
import { stridedCopyKernelC } from '../kernels/strided-copy-c.js';
import { family, type NativeStep } from '../step-family.js';

/** The strided block copy's parameters, its axes merged where both buffers allow. */
function blockParams(shape: readonly number[], src: readonly number[], dst: readonly number[], srcOffset: number, dstOffset: number): Float64Array {
  const c = collapseAxes(shape, [src, dst]);
  return Float64Array.from([c.shape.length, ...c.shape, ...c.strides[0]!, ...c.strides[1]!, srcOffset, dstOffset]);
}

function blockKernel(kernels: KernelTable, d: DType, mode: 'set' | 'inc'): number {
  return kernels.get(`block_${mode}:${d}`, (name) => stridedCopyKernelC(name, d, mode));
}

interface BlockStep extends NativeStep { kernel: number; axis: number }

/** concatenate: each part copied into its block of every row of the result. */
export const concatenate = family<BlockStep>({
  kind: 'concatenate',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof Concatenate)) return null;
    return { node, axis: op.axis, kernel: blockKernel(kernels, node.outputs[0]!.dtype, 'set') };
  },
  run(s, xs, ctx) {
    const ax = s.axis;
    const first = xs[0]!;
    const shape = [...first.shape];
    xs.forEach((x, i) => {
      if (i === 0) return;
      if (x.shape.some((d, k) => k !== ax && d !== shape[k])) {
        throw new HypatiaError(s.node.op.name, `at run time tensor ${i} has shape [${x.shape.join(', ')}] but tensor 0 has [${first.shape.join(', ')}]; only axis ${ax} may differ`, s.node.site);
      }
      shape[ax] = shape[ax]! + x.shape[ax]!;
    });
    const out = ctx.allocate(s.node, first.dtype, shape);
    const outStrides = stridesOf(shape);
    let start = 0;
    for (const x of xs) {
      if (x.size) ctx.launch(s.kernel, [x.data, out.data], blockParams(x.shape, stridesOf(x.shape), outStrides, 0, start * outStrides[ax]!));
      start += x.shape[ax]!;
    }
    return out;
  },
});

interface PartStep extends BlockStep { part: number }

/** concatenate_part (concatenate's gradient): the part's block of g, copied out. */
export const concatenatePart = family<PartStep>({
  kind: 'concatenate_part',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof ConcatenatePart)) return null;
    return { node, axis: op.axis, part: op.part, kernel: blockKernel(kernels, node.outputs[0]!.dtype, 'set') };
  },
  run(s, [g, ...xs], ctx) {
    const ax = s.axis;
    const offset = xs.slice(0, s.part).reduce((n, x) => n + x.shape[ax]!, 0);
    const total = xs.reduce((n, x) => n + x.shape[ax]!, 0);
    if (g!.shape[ax] !== total) throw new HypatiaError(s.node.op.name, `the gradient has length ${g!.shape[ax]} on axis ${ax} but the parts add up to ${total}`, s.node.site);
    const shape = [...g!.shape];
    shape[ax] = xs[s.part]!.shape[ax]!;
    const out = ctx.allocate(s.node, g!.dtype, shape);
    const gStrides = stridesOf(g!.shape);
    if (out.size) ctx.launch(s.kernel, [g!.data, out.data], blockParams(shape, gStrides, stridesOf(shape), offset * gStrides[ax]!, 0));
    return out;
  },
});

interface RegionStep extends NativeStep { copy: number; write: number; op: IncSubtensor }

/**
 * inc/set_subtensor: x copied into the result, then y added or written into the region a basic
 * index names (its bounds read from int32 scalars through ctx.slice, which a replay recomputes).
 */
export const regionWrite = family<RegionStep>({
  kind: 'region_write',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof IncSubtensor)) return null;
    const d = node.outputs[0]!.dtype;
    return { node, op, copy: blockKernel(kernels, d, 'set'), write: blockKernel(kernels, d, op.mode) };
  },
  run(s, [x, y, ...scalars], ctx) {
    const node = s.node;
    const out = ctx.allocate(node, x!.dtype, x!.shape);
    const { region, data } = ctx.slice(node, s.op.indices, out, scalars);
    const ys = broadcastIntoStrides(y!.shape, node.inputs[1]!.type.shape, region.shape);
    if (typeof ys === 'string') throw new HypatiaError(node.op.name, `at run time: ${ys}`, node.site);
    if (!out.size) return out;
    ctx.launch(s.copy, [x!.data, out.data], blockParams([x!.size], [1], [1], 0, 0));
    if (shapeSize(region.shape)) ctx.launch(s.write, [y!.data, data], blockParams(region.shape, ys, region.strides, 0, 0));
    return out;
  },
  note: (s) => `(x copied, then y ${s.op.mode === 'inc' ? 'added into' : 'written over'} the region)`,
});
