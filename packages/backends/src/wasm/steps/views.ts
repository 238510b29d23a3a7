import { shapeSize, stridesOf, NDArray, type KernelProgram } from '@hypatia/core';
import { IncSubtensor, Shape, ShapeAt, Subtensor } from '@hypatia/ops';
import { stridedCopyKernel, stridedCopyLaunch } from '@hypatia/ops/backend';
import { regionKernel } from '../replay-checks.js';
import { wasmFamily, type WasmStep } from '../wasm-step.js';
import { runProgram } from './ir.js';
import { viewShape, type ViewShape } from '../../view-shape.js';

interface ViewStep extends WasmStep { shape: ViewShape }

/** Reshapes, flattens and in-order dimshuffles: the operand's block under a new shape, no copy. */
export const view = wasmFamily<ViewStep>({
  kind: 'view',
  output: 'alias',
  plan(node) {
    const shape = viewShape(node);
    return shape && { node, shape };
  },
  run(s, ins) {
    return { dtype: s.node.outputs[0]!.dtype, shape: s.shape(ins), block: ins[0]!.block };
  },
  note: () => '(no copy)',
});

interface SliceStep extends WasmStep { op: Subtensor; copy: number; region: number }

/**
 * A basic index (bounds may be int32 scalars read at run time): a view of the source when the
 * region is contiguous (a mini-batch slice of the dataset copies nothing), else a strided copy.
 * A replay places the region again with its region kernel, so new bounds of the same shape replay.
 */
export const slice = wasmFamily<SliceStep>({
  kind: 'slice',
  output: 'alias',
  plan(node, table) {
    const op = node.op;
    if (!(op instanceof Subtensor)) return null;
    const x = node.inputs[0]!;
    return {
      node, op,
      copy: table.kernel(stridedCopyKernel(`copy_${x.dtype}`, x.dtype, node.outputs[0]!.ndim)),
      region: table.kernel(regionKernel(op.indices, x.ndim, node.inputs.length - 1, true)),
    };
  },
  run(s, ins, ctx) {
    const x = ins[0]!;
    const { region: r, block } = ctx.region(s.node, s.op.indices, x, ins.slice(1), s.region, true);
    const dense = stridesOf(r.shape);
    if (r.strides.every((st, d) => r.shape[d] === 1 || st === dense[d])) return { dtype: x.dtype, shape: r.shape, block: block! };
    const out = ctx.allocate(s.node, x.dtype, r.shape);
    if (shapeSize(r.shape)) ctx.launch(s.copy, [block!, out.block], stridedCopyLaunch(0, { input: 0 }, { output: 0 }, r.shape, r.strides, dense).params);
    return out;
  },
  note: () => '(a view when contiguous, else a strided copy)',
});

interface RegionWriteStep extends WasmStep { op: IncSubtensor; program: KernelProgram; kernels: number[]; region: number }

/**
 * inc/set_subtensor: the op's IR kernels (x copied, then y added or written into the region, whose
 * start the kernel reads from the scalars); a replay checks the region with its region kernel, so
 * new bounds of the same shape replay.
 */
export const regionWrite = wasmFamily<RegionWriteStep>({
  kind: 'region_write',
  output: 'kernel',
  plan(node, table) {
    const op = node.op;
    if (!(op instanceof IncSubtensor)) return null;
    const program = op.kernels(node);
    return {
      node, op, program,
      kernels: program.kernels.map((k) => table.kernel(k)),
      region: table.kernel(regionKernel(op.indices, node.inputs[0]!.ndim, node.inputs.length - 2, false)),
    };
  },
  run(s, ins, ctx) {
    ctx.region(s.node, s.op.indices, ins[0]!, ins.slice(2), s.region, false);
    return runProgram(s, s.program, ins, ctx, (i) => i >= 2);
  },
  note: (s) => `(${s.program.kernels.map((k) => k.name).join(', ')})`,
});

interface ShapeAtStep extends WasmStep { axis: number | null }

/** shape and shape_at: the operand's run-time shape (or one length of it), a table the plan keeps. */
export const shapeAt = wasmFamily<ShapeAtStep>({
  kind: 'shape',
  output: 'value',
  plan(node) {
    const op = node.op;
    if (op instanceof Shape) return { node, axis: null };
    return op instanceof ShapeAt ? { node, axis: op.axis } : null;
  },
  run(s, [x], ctx) {
    const value = s.axis === null ? new NDArray('int32', [x!.shape.length], Int32Array.from(x!.shape)) : new NDArray('int32', [], Int32Array.of(x!.shape[s.axis]!));
    return ctx.table(s.node, value);
  },
  note: () => "(read from the operand's shape)",
});
