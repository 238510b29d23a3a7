import { HypatiaError, NDArray, shapeSize, stridesOf } from '@hypatia/core';
import { IncSubtensor, Shape, ShapeAt, Subtensor } from '@hypatia/ops';
import { broadcastIntoStrides, staticIndexedShape, stridedCopyKernel, stridedCopyLaunch } from '@hypatia/ops/backend';
import { E, I, KernelBuilder, kernelKey, type DType, type Kernel } from '@hypatia/core';
import { kernelToC } from '../c-printer.js';
import { family, type NativeStep } from '../step-family.js';
import { viewShape, type ViewShape } from '../../view-shape.js';

interface ViewStep extends NativeStep { shape: ViewShape }

/** Reshapes, flattens and in-order dimshuffles: the operand's buffer under a new shape, no copy. */
export const view = family<ViewStep>({
  kind: 'view',
  output: 'alias',
  plan(node) {
    const shape = viewShape(node);
    return shape && { node, shape };
  },
  run(s, ins) {
    return new NDArray(s.node.outputs[0]!.dtype, s.shape(ins), ins[0]!.data);
  },
  note: () => '(no copy)',
});

interface SliceStep extends NativeStep { kernel: number; op: Subtensor }

/** A basic index (bounds may be int32 scalars read at run time): a view when contiguous, else a strided copy. */
export const slice = family<SliceStep>({
  kind: 'slice',
  output: 'alias',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof Subtensor)) return null;
    const copy = stridedCopyKernel(`copy_${node.inputs[0]!.dtype}`, node.inputs[0]!.dtype, node.outputs[0]!.ndim);
    return { node, op, kernel: kernels.get(`ir:${kernelKey(copy)}`, (name) => kernelToC(copy, name), { checked: true }) };
  },
  run(s, ins, ctx) {
    const x = ins[0]!;
    const { region: r, contiguous, data } = ctx.slice(s.node, s.op.indices, x, ins.slice(1));
    if (contiguous) return new NDArray(x.dtype, r.shape, data);
    const out = ctx.allocate(s.node, x.dtype, r.shape);
    if (out.size) ctx.launch(s.kernel, [data, out.data], Float64Array.from(stridedCopyLaunch(0, { input: 0 }, { output: 0 }, r.shape, r.strides, stridesOf(r.shape)).params));
    return out;
  },
  note: () => '(a view when contiguous, else a strided copy)',
});

interface ShapeAtStep extends NativeStep { axis: number | null }

/** shape and shape_at: the operand's run-time shape (or one length of it), no kernel. */
export const shapeAt = family<ShapeAtStep>({
  kind: 'shape',
  output: 'value',
  plan(node) {
    const op = node.op;
    if (op instanceof Shape) return { node, axis: null };
    return op instanceof ShapeAt ? { node, axis: op.axis } : null;
  },
  run(s, [x]) {
    if (s.axis === null) return new NDArray('int32', [x!.ndim], Int32Array.from(x!.shape));
    return new NDArray('int32', [], Int32Array.of(x!.shape[s.axis]!));
  },
  note: () => "(read from the operand's shape)",
});

interface RegionStep extends NativeStep { copy: number; write: number; op: IncSubtensor }

/** y written (or added) into a strided region of a row-major output, y read through broadcast strides. */
function regionWriteKernel(dtype: DType, rank: number, mode: 'inc' | 'set'): Kernel {
  const k = new KernelBuilder(`region_${mode}_${dtype}`);
  const y = k.input(dtype);
  const out = k.buffer(dtype, 'readwrite');
  const extents = k.params(rank);
  const yStrides = k.params(rank);
  const outStrides = k.params(rank);
  const vars = k.space(...extents);
  const at = I.strided(vars, outStrides);
  const v = y.at(I.strided(vars, yStrides));
  k.store(out, at, mode === 'inc' ? E.add(out.at(at), v) : v);
  return k.build();
}

/**
 * inc/set_subtensor: x copied into the result, then y added or written into the region a basic
 * index names. Like a slice, the region's bounds come from int32 scalars through ctx.slice, which a
 * replay recomputes in C, so new bounds of the same shape replay.
 */
export const regionWrite = family<RegionStep>({
  kind: 'region_write',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof IncSubtensor)) return null;
    const d = node.outputs[0]!.dtype;
    const printed = (kernel: Kernel) => kernels.get(`ir:${kernelKey(kernel)}`, (name) => kernelToC(kernel, name), { checked: true });
    const rank = staticIndexedShape(op.indices, node.inputs[0]!.type.shape).length;
    return { node, op, copy: printed(stridedCopyKernel(`copy_${d}`, d, 1)), write: printed(regionWriteKernel(d, rank, op.mode)) };
  },
  run(s, [x, y, ...scalars], ctx) {
    const node = s.node;
    const out = ctx.allocate(node, x!.dtype, x!.shape);
    const { region, data } = ctx.slice(node, s.op.indices, out, scalars);
    const ys = broadcastIntoStrides(y!.shape, node.inputs[1]!.type.shape, region.shape);
    if (typeof ys === 'string') throw new HypatiaError(node.op.name, `at run time: ${ys}`, node.site);
    if (!out.size) return out;
    ctx.launch(s.copy, [x!.data, out.data], Float64Array.from(stridedCopyLaunch(0, { input: 0 }, { output: 0 }, [x!.size], [1], [1]).params));
    if (shapeSize(region.shape)) ctx.launch(s.write, [y!.data, data], Float64Array.from([...region.shape, ...ys, ...region.strides]));
    return out;
  },
  note: (s) => `(x copied, then y ${s.op.mode === 'inc' ? 'added into' : 'written over'} the region)`,
});
