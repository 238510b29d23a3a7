import { I, KernelBuilder, collapseAxes, shapeSize, type Apply, type BufferRef, type DType, type Kernel, type KernelProgram, type Launch, type PlanOperand } from '@hypatia/core';

/**
 * Copies as kernels: the shape ops that backends may treat as views (reshape, flatten, dimshuffle)
 * and the blocks of concatenate are copies of a strided view into a row-major array, so one kernel
 * per rank and dtype serves them all, and any backend can run them.
 */

/**
 * out[outOffset + sum v_d outStride_d] = x[inOffset + sum v_d inStride_d] over a space of `rank`
 * axes. Parameters: the extents, the output's strides, the input's strides, the output's offset,
 * the input's offset.
 */
export function stridedCopyKernel(name: string, dtype: DType, rank: number): Kernel {
  const k = new KernelBuilder(name);
  const x = k.input(dtype);
  const out = k.output(dtype);
  const extents = k.params(rank);
  const outStrides = k.params(rank);
  const inStrides = k.params(rank);
  const [outOffset, inOffset] = k.params(2);
  const vars = k.space(...extents);
  k.store(out, I.strided(vars, outStrides, outOffset!), x.at(I.strided(vars, inStrides, inOffset!)));
  return k.build();
}

/** A launch of stridedCopyKernel copying a view of `shape`, with the axes contiguous in both merged (a contiguous copy is one row). */
export function stridedCopyLaunch(
  kernel: number, from: BufferRef, to: BufferRef, shape: readonly number[],
  inStrides: readonly number[], outStrides: readonly number[], inOffset = 0, outOffset = 0,
): Launch {
  const c = collapseAxes(shape, [outStrides, inStrides]);
  return { kernel, buffers: [from, to], params: [...c.shape, ...c.strides[0]!, ...c.strides[1]!, outOffset, inOffset] };
}

/**
 * The program of an op whose output holds its input's elements in the same order under another
 * shape (reshape, flatten, reshape_like): one contiguous copy. `shapeOf` gives the output's shape
 * and makes the op's checks.
 */
export function contiguousCopyProgram(node: Apply, shapeOf: (operands: readonly PlanOperand[]) => number[]): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  return {
    kernels: [stridedCopyKernel(`copy_${dtype}`, dtype, 1)],
    plan(operands) {
      const shape = shapeOf(operands);
      const n = shapeSize(operands[0]!.shape);
      return { outputs: [shape], launches: [stridedCopyLaunch(0, { input: 0 }, { output: 0 }, [n], [1], [1])] };
    },
  };
}
