import { broadcastStrides, elementwiseRunShape, shapeSize, stridesOf, type Apply, type NDArray } from '@hypatia/core';

/**
 * Run-time shapes and strides for the C kernels, computed in JS: the kernels receive them as a
 * flat parameter list, so one compiled kernel serves every shape.
 */

/** Merge adjacent axes that are contiguous for every operand, and drop length-1 axes. */
export function collapseAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const keep = shape.map((d, i) => i).filter((i) => shape[i] !== 1);
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const i of keep) {
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[i]! * shape[i]!)) {
      outShape[last]! *= shape[i]!;
      strides.forEach((s, k) => { outStrides[k]![last] = s[i]!; });
    } else {
      outShape.push(shape[i]!);
      strides.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** The output shape of an elementwise node, with the same run-time checks as the reference. */
export function elementwiseShape(node: Apply, ins: readonly NDArray[]): number[] {
  return elementwiseRunShape(node, ins.map((a) => a.shape));
}

/** Parameters of the elementwise kernel: n, nd, shape, each input's strides, contiguous flag. */
export function elementwiseParams(outShape: readonly number[], inStrides: readonly (readonly number[])[]): Float64Array {
  const c = collapseAxes(outShape, inStrides);
  const nd = c.shape.length;
  const contiguous = c.strides.every((s) => s.every((x) => x === 1));
  return Float64Array.from([shapeSize(outShape), nd, ...c.shape, ...c.strides.flat(), contiguous ? 1 : 0]);
}

export function broadcastParams(outShape: readonly number[], ins: readonly NDArray[]): Float64Array {
  return elementwiseParams(outShape, ins.map((a) => broadcastStrides(a.shape, outShape)));
}

/** Parameters of the sum kernel for reducing `axes` of a contiguous array of `shape`. */
export function sumParams(shape: readonly number[], axes: readonly number[], nOut: number): Float64Array {
  const strides = stridesOf(shape);
  const groups: { reduced: boolean; size: number; stride: number }[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const reduced = axes.includes(i);
    const last = groups[groups.length - 1];
    if (last && last.reduced === reduced) {
      last.size *= d;
      last.stride = strides[i]!;
    } else groups.push({ reduced, size: d, stride: strides[i]! });
  });
  if (!groups.length) groups.push({ reduced: true, size: 1, stride: 1 });
  const kept = groups.filter((g) => !g.reduced);
  const red = groups.filter((g) => g.reduced);
  const mode = groups[groups.length - 1]!.reduced ? 0 : 1;
  return Float64Array.from([
    mode, nOut,
    kept.length, ...kept.map((g) => g.size), ...kept.map((g) => g.stride),
    red.length, ...red.map((g) => g.size), ...red.map((g) => g.stride),
  ]);
}

/** A matrix operand as the gemm kernel reads it: op(X)[i, j] = data[offset + i * rs + j * cs]. */
export interface StridedMatrix { rows: number; cols: number; rs: number; cs: number }

/** An operand's last two axes, read transposed when `trans`. */
export function matrixView(shape: readonly number[], trans: boolean): StridedMatrix {
  const r = shape[shape.length - 2]!, c = shape[shape.length - 1]!;
  return trans ? { rows: c, cols: r, rs: 1, cs: c } : { rows: r, cols: c, rs: c, cs: 1 };
}

export function gemmParams(a: StridedMatrix, b: StridedMatrix, offA: number, offB: number, offC: number): Float64Array {
  return Float64Array.from([a.rows, b.cols, a.cols, a.rs, a.cs, b.rs, b.cs, offA, offB, offC]);
}
