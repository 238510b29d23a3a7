/**
 * Merge adjacent axes that are contiguous for every operand and drop length-1 axes, keeping the
 * rank: the merged axes come last and the leading ones become length 1. A kernel's loops then walk
 * long rows (a contiguous operand becomes one row), and one compiled kernel serves every layout.
 */
export function collapseAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  shape.forEach((n, i) => {
    if (n === 1) return;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[i]! * n)) {
      outShape[last]! *= n;
      strides.forEach((s, k) => { outStrides[k]![last] = s[i]!; });
    } else {
      outShape.push(n);
      strides.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  });
  const pad = shape.length - outShape.length;
  if (pad < 0) throw new Error('collapseAxes: more axes after merging than before');
  return {
    shape: [...new Array<number>(pad).fill(1), ...outShape],
    strides: outStrides.map((s) => [...new Array<number>(pad).fill(0), ...s]),
  };
}
