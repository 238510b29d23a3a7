/**
 * Run-time shapes and strides for the product routines, computed in JS: the kernels receive them
 * as a flat parameter list, so one compiled kernel serves every shape.
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
