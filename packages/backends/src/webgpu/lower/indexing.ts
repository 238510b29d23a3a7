import { HypatiaError, broadcastRuntime, broadcastStrides, shapeSize, stridesOf, type Apply, type NDArray } from '@hypatia/core';
import { AdvancedIncSubtensor, AdvancedSubtensor, IncSubtensor, LastWriteMask, Subtensor } from '@hypatia/ops';
import { broadcastIntoStrides, resolveRegion } from '@hypatia/ops/backend';
import { ROUTINES, dispatch1d, pipeline, unsupported, type LowerContext } from '../lowering.js';
import { WORKGROUP } from '../kernels.js';
import type { GpuTensor } from '../buffers.js';
import { indexChecker, type IndexChecker } from '../index-checks.js';
import { advancedGatherSource, advancedScatterSource, gatherSource, lastWriteMaskSource, scatterRegionSource } from './strided-kernels.js';

const groups = (n: number) => Math.ceil(n / WORKGROUP);

/** Index bounds are read on the host (host-eval.ts); one that lives only on the GPU cannot be. */
function requireHostScalars(node: Apply, first: number, ctx: LowerContext): void {
  node.inputs.slice(first).forEach((v) => {
    if (!ctx.onHost(v)) unsupported(node, `the index bound ${v} is computed on the GPU; bounds must come from inputs, constants or shapes`);
  });
}

function hostScalars(node: Apply, ins: readonly GpuTensor[], first: number): NDArray[] {
  return ins.slice(first).map((t) => t.host!);
}

// subtensor: the region's base and strides come from the host; one strided copy. This is the
// hot path of network3, which slices each mini-batch out of a dataset resident on the GPU.
ROUTINES.set(Subtensor, (node, { indices }) => async (device, ctx) => {
  requireHostScalars(node, 1, ctx);
  const out = node.outputs[0]!;
  const region = (ins: readonly GpuTensor[]) => resolveRegion(indices, ins[0]!.shape, hostScalars(node, ins, 1), node.op.name, node);
  const pipe = await pipeline(device, gatherSource(out.dtype, out.ndim));
  return {
    node,
    describe: `${node.op.toString()} (strided copy, bounds from the host)`,
    shapes: (ins) => [region(ins).shape],
    encode: (pass, ins, [o], ctx) => {
      const r = region(ins);
      const params = ctx.params(Uint32Array.from(new Int32Array([o!.size, r.base, ...r.shape, ...r.strides])));
      dispatch1d(ctx.device, pass, pipe, [params, ins[0]!.buffer, o!.buffer], groups(o!.size));
    },
  };
});

/** A whole-tensor copy (the first half of every inc/set): a gather with the identity layout. */
async function copyKernel(device: GPUDevice, dtype: GpuTensor['dtype']) {
  const pipe = await pipeline(device, gatherSource(dtype, 1));
  return (pass: GPUComputePassEncoder, from: GpuTensor, to: GpuTensor, params: (d: Uint32Array) => GPUBuffer) => {
    dispatch1d(device, pass, pipe, [params(Uint32Array.from([from.size, 0, from.size, 1])), from.buffer, to.buffer], groups(from.size));
  };
}

// inc_subtensor / set_subtensor: copy x, then write y into the region (no position repeats).
ROUTINES.set(IncSubtensor, (node, { indices, mode }) => async (device, ctx) => {
  requireHostScalars(node, 2, ctx);
  const x = node.inputs[0]!;
  const nd = node.outputs[0]!.ndim - indices.filter((a) => a.kind === 'index').length;
  const [copy, pipe] = await Promise.all([copyKernel(device, x.dtype), pipeline(device, scatterRegionSource(x.dtype, nd, mode))]);
  return {
    node,
    describe: `${node.op.toString()} (copy, then a strided ${mode === 'inc' ? 'add' : 'write'})`,
    shapes: ([t]) => [[...t!.shape]],
    encode: (pass, ins, [o], ctx) => {
      const [xt, yt] = ins;
      const r = resolveRegion(indices, xt!.shape, hostScalars(node, ins, 2), node.op.name, node);
      const ys = broadcastIntoStrides(yt!.shape, node.inputs[1]!.type.shape, r.shape);
      if (typeof ys === 'string') throw new HypatiaError(node.op.name, `at run time: ${ys}`, node.site);
      copy(pass, xt!, o!, ctx.params);
      const n = shapeSize(r.shape);
      const params = ctx.params(Uint32Array.from(new Int32Array([n, r.base, ...r.shape, ...r.strides, ...ys])));
      dispatch1d(ctx.device, pass, pipe, [params, yt!.buffer, o!.buffer], groups(n));
    },
  };
});

/** The layout shared by the advanced gather and scatter kernels (see strided-kernels.ts). */
function advancedLayout(axis: number, x: GpuTensor, idx: readonly GpuTensor[], node: Apply) {
  const k = idx.length;
  const bShape = broadcastRuntime(idx.map((t) => t.shape));
  if (typeof bShape === 'string') throw new HypatiaError(node.op.name, `the index arrays do not broadcast together: ${bShape}`, node.site);
  const st = stridesOf(x.shape);
  const outerShape = x.shape.slice(0, axis);
  const innerShape = x.shape.slice(axis + k);
  const head = [
    shapeSize(bShape), shapeSize(innerShape), shapeSize(x.shape.slice(axis)),
    ...x.shape.slice(axis, axis + k), ...st.slice(axis, axis + k), ...bShape,
    ...idx.flatMap((t) => broadcastStrides(t.shape, bShape)),
  ];
  return { bShape, outerShape, innerShape, head };
}

/**
 * Every index array checked against its axis, as the reference backend does (indexOffsets in
 * ops): the same message, naming the index, the axis, its size and the position in the array.
 * An empty broadcast shape picks nothing, so nothing is checked.
 */
function checkIndexArrays(
  checker: IndexChecker, pass: GPUComputePassEncoder, ctx: Parameters<IndexChecker['check']>[1],
  node: Apply, axis: number, x: GpuTensor, idx: readonly GpuTensor[], bShape: readonly number[],
): void {
  if (shapeSize(bShape) === 0) return;
  idx.forEach((t, j) => {
    const len = x.shape[axis + j]!;
    checker.check(pass, ctx, t, len, (i, p) => new HypatiaError(node.op.name, `index ${i} is out of bounds for axis ${axis + j} with size ${len} (index array ${j}, position ${p})`, node.site));
  });
}

/** Whether some index array lives on the GPU (its check then runs there, after the call's kernels). */
const indicesOnGpu = (node: Apply, first: number, ctx: LowerContext) => node.inputs.slice(first).some((v) => !ctx.onHost(v));

ROUTINES.set(AdvancedSubtensor, (node, { axis }) => async (device, ctx) => {
  const k = node.inputs.length - 1;
  const out = node.outputs[0]!;
  const nb = out.ndim - (node.inputs[0]!.ndim - k);
  const [pipe, checker] = await Promise.all([pipeline(device, advancedGatherSource(out.dtype, k, nb)), indexChecker(device)]);
  return {
    node,
    describe: `advanced_subtensor on axis ${axis} with ${k} index array(s) (gather; out-of-range indices raise, see index-checks.ts)`,
    checksOnGpu: indicesOnGpu(node, 1, ctx),
    shapes: ([x, ...idx]) => {
      const l = advancedLayout(axis, x!, idx, node);
      return [[...l.outerShape, ...l.bShape, ...l.innerShape]];
    },
    encode: (pass, [x, ...idx], [o], ctx) => {
      const l = advancedLayout(axis, x!, idx, node);
      checkIndexArrays(checker, pass, ctx, node, axis, x!, idx, l.bShape);
      const params = ctx.params(Uint32Array.from([o!.size, ...l.head]));
      dispatch1d(ctx.device, pass, pipe, [params, x!.buffer, ...idx.map((t) => t.buffer), o!.buffer], groups(o!.size));
    },
  };
});

ROUTINES.set(AdvancedIncSubtensor, (node, { axis, mode }) => async (device, ctx) => {
  const [x] = node.inputs;
  const k = node.inputs.length - 2;
  const nb = Math.max(...node.inputs.slice(2).map((v) => v.ndim));
  const ni = x!.ndim - axis - k;
  const [pipe, checker] = await Promise.all([pipeline(device, advancedScatterSource(x!.dtype, k, nb, axis, ni, mode)), indexChecker(device)]);
  return {
    node,
    describe: `${node.op.name} on axis ${axis} (one thread per element scans the indices in order: deterministic, no atomics)`,
    checksOnGpu: indicesOnGpu(node, 2, ctx),
    shapes: ([t]) => [[...t!.shape]],
    encode: (pass, [xt, yt, ...idx], [o], ctx) => {
      const l = advancedLayout(axis, xt!, idx, node);
      const ys = broadcastIntoStrides(yt!.shape, node.inputs[1]!.type.shape, [...l.outerShape, ...l.bShape, ...l.innerShape]);
      if (typeof ys === 'string') throw new HypatiaError(node.op.name, `at run time: ${ys}`, node.site);
      checkIndexArrays(checker, pass, ctx, node, axis, xt!, idx, l.bShape);
      const nbb = l.bShape.length;
      const params = ctx.params(Uint32Array.from(new Int32Array([
        o!.size, ...l.head, ...l.outerShape, ...ys.slice(0, axis), ...ys.slice(axis, axis + nbb), ...l.innerShape, ...ys.slice(axis + nbb),
      ])));
      dispatch1d(ctx.device, pass, pipe, [params, xt!.buffer, yt!.buffer, ...idx.map((t) => t.buffer), o!.buffer], groups(o!.size));
    },
  };
});

// last_write_mask: one thread per picked position looks for a later one naming the same element.
ROUTINES.set(LastWriteMask, (node, { axis }) => async (device, ctx) => {
  const k = node.inputs.length - 1;
  const nb = node.outputs[0]!.ndim;
  const [pipe, checker] = await Promise.all([pipeline(device, lastWriteMaskSource(k, nb)), indexChecker(device)]);
  return {
    node,
    describe: `last_write_mask on axis ${axis}`,
    checksOnGpu: indicesOnGpu(node, 1, ctx),
    shapes: ([x, ...idx]) => [advancedLayout(axis, x!, idx, node).bShape],
    encode: (pass, [x, ...idx], [o], ctx) => {
      const l = advancedLayout(axis, x!, idx, node);
      checkIndexArrays(checker, pass, ctx, node, axis, x!, idx, l.bShape);
      const params = ctx.params(Uint32Array.from([o!.size, ...l.head]));
      dispatch1d(ctx.device, pass, pipe, [params, ...idx.map((t) => t.buffer), o!.buffer], groups(o!.size));
    },
  };
});
