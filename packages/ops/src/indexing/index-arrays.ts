import { HypatiaError, ShapeError, broadcastRuntime, broadcastStatic, broadcastStrides, shapeSize, type Apply, type Dim, type NDArray, type TensorType } from '@hypatia/core';
import { flatOffsets } from '../shape/strided.js';

/**
 * The static shape of indexing `x` with integer arrays on the adjacent axes `axis, axis+1, ...`
 * (NumPy's `x[:, rows, cols]` with the index arrays side by side): x's leading axes, then the
 * index arrays' broadcast shape, then x's remaining axes.
 */
export function advancedShape(x: TensorType, idx: readonly TensorType[], axis: number): Dim[] {
  if (idx.length === 0) throw new ShapeError('needs at least one index array');
  if (!Number.isInteger(axis) || axis < 0 || axis + idx.length > x.ndim) {
    throw new ShapeError(`${idx.length} index array(s) from axis ${axis} do not fit a tensor of ${x.ndim} dimensions`);
  }
  idx.forEach((t, j) => {
    if (t.dtype !== 'int32') throw new ShapeError(`index array ${j} must be int32, got ${t} (cast it with cast(i, 'int32'))`);
  });
  const b = broadcastStatic(idx.map((t) => t.shape));
  if (typeof b === 'string') throw new ShapeError(`the index arrays do not broadcast together: ${b}`);
  return [...x.shape.slice(0, axis), ...b, ...x.shape.slice(axis + idx.length)];
}

/** The index arrays' broadcast shape at run time, or the op's error when they do not broadcast. */
export function indexShape(shapes: readonly (readonly number[])[], op: string, node: Apply): number[] {
  const shape = broadcastRuntime(shapes);
  if (typeof shape === 'string') throw new HypatiaError(op, `the index arrays do not broadcast together: ${shape}`, node.site);
  return shape;
}

/**
 * The index arrays' broadcast shape and, for each of its positions, the offset into x of the
 * element they pick (relative to the indexed axes). Negative indices count from the end, as in
 * NumPy; any other out-of-range index is an error naming the op, the index and the bound.
 */
export function indexOffsets(
  idx: readonly NDArray[], dims: readonly number[], strides: readonly number[], axis: number, op: string, node: Apply,
): { shape: number[]; offsets: Int32Array } {
  const shape = indexShape(idx.map((a) => a.shape), op, node);
  const offsets = new Int32Array(shapeSize(shape));
  idx.forEach((a, j) => {
    const pos = flatOffsets(shape, broadcastStrides(a.shape, shape));
    const len = dims[j]!;
    const stride = strides[j]!;
    for (let p = 0; p < offsets.length; p++) {
      const i = a.data[pos[p]!]!;
      if (i >= len || i < -len) {
        throw new HypatiaError(op, `index ${i} is out of bounds for axis ${axis + j} with size ${len} (index array ${j}, position ${pos[p]})`, node.site);
      }
      offsets[p] += (i < 0 ? i + len : i) * stride;
    }
  });
  return { shape, offsets };
}
