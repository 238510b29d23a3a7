import { HypatiaError, broadcastRuntime, broadcastStrides, shapeSize, type Apply, type NDArray } from '@hypatia/core';

// Host-side preparation of the indexing kernels: index arrays and labels are small (one entry per
// picked row), so JS checks them and turns them into element offsets; C moves the data. These
// mirror the reference's helpers in @hypatia/ops (not exported from its barrels) and raise the same errors.

/** Offset of each element of `shape` walked in row-major order, with the given strides. */
export function flatOffsets(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = shapeSize(shape);
  const out = new Int32Array(n);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let p = 0; p < n; p++) {
    out[p] = off;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** The index arrays' broadcast shape and the offset of each pick into the indexed axes (negative indices count from the end). */
export function indexOffsets(
  idx: readonly NDArray[], dims: readonly number[], strides: readonly number[], axis: number, op: string, node: Apply,
): { shape: number[]; offsets: Int32Array } {
  const shape = broadcastRuntime(idx.map((a) => a.shape));
  if (typeof shape === 'string') throw new HypatiaError(op, `the index arrays do not broadcast together: ${shape}`, node.site);
  const offsets = new Int32Array(shapeSize(shape));
  idx.forEach((a, j) => {
    const pos = flatOffsets(shape, broadcastStrides(a.shape, shape));
    const len = dims[j]!;
    for (let p = 0; p < offsets.length; p++) {
      const i = a.data[pos[p]!]!;
      if (i >= len || i < -len) {
        throw new HypatiaError(op, `index ${i} is out of bounds for axis ${axis + j} with size ${len} (index array ${j}, position ${pos[p]})`, node.site);
      }
      offsets[p] += (i < 0 ? i + len : i) * strides[j]!;
    }
  });
  return { shape, offsets };
}

/** One label per row, each in [-k, k), as column indices in [0, k). */
export function labelColumns(op: string, scores: NDArray, labels: NDArray, node: Apply): Int32Array {
  const [n, k] = scores.shape as [number, number];
  if (labels.size !== n) throw new HypatiaError(op, `at run time there are ${n} rows but ${labels.size} labels`, node.site);
  const cols = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels.data[i]!;
    if (y < -k || y >= k) throw new HypatiaError(op, `label ${y} at row ${i} is out of range for ${k} classes`, node.site);
    cols[i] = y < 0 ? y + k : y;
  }
  return cols;
}
