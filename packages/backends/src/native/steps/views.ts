import { HypatiaError, NDArray, shapeSize, stridesOf } from '@hypatia/core';
import { DimShuffle, Flatten, Reshape, ReshapeLike, Shape, ShapeAt, Subtensor } from '@hypatia/ops';
import { elementwiseParams } from '../kernel-params.js';
import { family, type NativeStep } from '../step-family.js';
import { copyKernel } from './elementwise.js';

interface ViewStep extends NativeStep { shape: (ins: readonly NDArray[]) => number[] }

/** Reshapes, flattens and in-order dimshuffles: the operand's buffer under a new shape, no copy. */
export const view = family<ViewStep>({
  kind: 'view',
  output: 'alias',
  plan(node) {
    const op = node.op;
    if (op instanceof DimShuffle) {
      const perm = op.pattern.filter((p): p is number => p !== 'x');
      if (!perm.every((p, i) => i === 0 || p > perm[i - 1]!)) return null;
      return { node, shape: ([x]) => op.pattern.map((p) => (p === 'x' ? 1 : x!.shape[p]!)) };
    }
    if (op instanceof Reshape) return { node, shape: ([x]) => op.resolve(x!.size, node) };
    if (op instanceof Flatten) return { node, shape: ([x]) => [...x!.shape.slice(0, op.ndim - 1), shapeSize(x!.shape.slice(op.ndim - 1))] };
    if (op instanceof ReshapeLike) {
      return {
        node, shape: ([x, like]) => {
          if (x!.size !== like!.size) throw new HypatiaError(op.name, `cannot reshape ${x!.size} elements to [${like!.shape.join(', ')}]`, node.site);
          return [...like!.shape];
        },
      };
    }
    return null;
  },
  run(s, ins) {
    return new NDArray(s.node.outputs[0]!.dtype, s.shape(ins), ins[0]!.data);
  },
  note: () => '(no copy)',
});

interface TransposeStep extends NativeStep { kernel: number; pattern: readonly (number | 'x')[] }

/** A dimshuffle that reorders axes: a strided copy. */
export const transpose = family<TransposeStep>({
  kind: 'transpose',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof DimShuffle)) return null;
    return { node, pattern: op.pattern, kernel: copyKernel(kernels, node.inputs[0]!.dtype) };
  },
  run(s, [x], ctx) {
    const xs = stridesOf(x!.shape);
    const shape = s.pattern.map((p) => (p === 'x' ? 1 : x!.shape[p]!));
    const strides = s.pattern.map((p) => (p === 'x' ? 0 : xs[p]!));
    const out = ctx.allocate(s.node, x!.dtype, shape);
    if (out.size) ctx.launch(s.kernel, [x!.data, out.data], elementwiseParams(shape, [strides]));
    return out;
  },
});

interface SliceStep extends NativeStep { kernel: number; op: Subtensor }

/** A basic index (bounds may be int32 scalars read at run time): a view when contiguous, else a strided copy. */
export const slice = family<SliceStep>({
  kind: 'slice',
  output: 'alias',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof Subtensor)) return null;
    return { node, op, kernel: copyKernel(kernels, node.inputs[0]!.dtype) };
  },
  run(s, ins, ctx) {
    const x = ins[0]!;
    const { region: r, contiguous, data } = ctx.slice(s.node, s.op.indices, x, ins.slice(1));
    if (contiguous) return new NDArray(x.dtype, r.shape, data);
    const out = ctx.allocate(s.node, x.dtype, r.shape);
    if (out.size) ctx.launch(s.kernel, [data, out.data], elementwiseParams(r.shape, [r.strides]));
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
