import {
  DISCONNECTED, E, HypatiaError, I, KernelBuilder, NDArray, Op, ShapeError, TensorType, shapeSize,
  type Apply, type GradResult, type KernelProgram, type LaunchPlan,
} from '@hypatia/core';

/**
 * The flat positions, in row-major order, of the true entries of a boolean `mask` that indexes the
 * leading axes of `x` (NumPy's flatnonzero; what `x[mask]` gathers). Operands: the mask, the
 * number of its true entries (an int32 scalar: the output's length, which only the mask's values
 * tell, so the plan reads it as a valueInput), and x, of which only the shape is read: the mask's
 * shape must be x's leading lengths.
 */
export class MaskPositions extends Op {
  readonly name = 'mask_positions';

  inferTypes([mask, count, x]: readonly TensorType[]): TensorType[] {
    if (mask!.dtype !== 'bool') throw new ShapeError(`the mask must be bool, got ${mask}`);
    if (count!.dtype !== 'int32' || count!.ndim !== 0) throw new ShapeError(`the count of true entries must be an int32 scalar, got ${count}`);
    if (mask!.ndim > x!.ndim) throw new ShapeError(`a mask of ${mask!.ndim} dimensions cannot index a tensor of ${x!.ndim}`);
    mask!.shape.forEach((d, i) => {
      const n = x!.shape[i];
      if (d !== null && n !== null && d !== n) throw new ShapeError(`the mask's axis ${i} has length ${d} but the indexed axis has ${n}`);
    });
    return [new TensorType('int32', [null])];
  }

  /** The op's errors for operands of these shapes and this count (before the mask's values are read). */
  private checkShapes(mask: readonly number[], x: readonly number[], count: number, node: Apply): void {
    if (mask.some((d, i) => d !== x[i])) {
      throw new HypatiaError(this.name, `the mask's shape [${mask.join(', ')}] is not the indexed tensor's leading lengths [${x.slice(0, mask.length).join(', ')}] (shape [${x.join(', ')}])`, node.site);
    }
    if (count < 0 || count > shapeSize(mask)) throw this.countError(count, null, node);
  }

  private countError(count: number, trues: number | null, node: Apply): HypatiaError {
    return new HypatiaError(this.name, `the count ${count} is not the number of true entries of the mask${trues === null ? '' : ` (${trues})`}`, node.site);
  }

  perform([mask, count, x]: readonly NDArray[], node: Apply): NDArray[] {
    const n = count!.item();
    this.checkShapes(mask!.shape, x!.shape, n, node);
    const positions: number[] = [];
    mask!.data.forEach((v, i) => { if (v) positions.push(i); });
    if (positions.length !== n) throw this.countError(n, positions.length, node);
    return [new NDArray('int32', [n], Int32Array.from(positions))];
  }

  /**
   * A sequential kernel walks the mask once, writing each true entry's position at the running
   * count (a false one writes to a spare last slot), and checks the total at the last entry; a
   * second copies the positions out.
   */
  override kernels(node: Apply): KernelProgram {
    const scan = new KernelBuilder('mask_positions_scan');
    const mask = scan.input('bool');
    const positions = scan.buffer('int32', 'readwrite');
    const counter = scan.buffer('int32', 'readwrite');
    const [size, total] = scan.params(2);
    const [i] = scan.space(size!);
    // The true entries before this one, read once: the statements below overwrite the counter.
    const before = I.trunc(scan.let(E.index(I.sel(I.eq(i!, 0), 0, counter.read(0)), 'int32')));
    const bit = mask.read(i!);
    scan.store(positions, I.sel(bit, before, size!), E.index(i!, 'int32'));
    scan.store(counter, 0, E.index(I.add(before, bit), 'int32'));
    scan.check(I.or(I.ne(i!, I.sub(size!, 1)), I.eq(I.add(before, bit), total!)));

    const copy = new KernelBuilder('mask_positions_copy');
    const from = copy.input('int32');
    const out = copy.output('int32');
    const [n] = copy.params(1);
    const [p] = copy.space(n!);
    copy.store(out, p!, from.at(p!));

    return {
      kernels: [scan.build({ sequential: true }), copy.build()],
      valueInputs: [1],
      plan: ([m, c, x]): LaunchPlan => {
        const count = c!.value!.item();
        const size = shapeSize(m!.shape);
        this.checkShapes(m!.shape, x!.shape, count, node);
        if (size === 0 && count !== 0) throw this.countError(count, 0, node);
        return {
          outputs: [[count]],
          temps: [{ dtype: 'int32', size: size + 1 }, { dtype: 'int32', size: 1 }],
          launches: [
            { kernel: 0, buffers: [{ input: 0 }, { temp: 0 }, { temp: 1 }], params: [size, count] },
            { kernel: 1, buffers: [{ temp: 0 }, { output: 0 }], params: [count] },
          ],
        };
      },
    };
  }

  override grad(): GradResult[] {
    return [DISCONNECTED, DISCONNECTED, DISCONNECTED];
  }
}
