import { stridesOf } from '@hypatia/core';
/// <reference types="@webgpu/types" />
import { dispatch1d, pipeline, registerLowering, type EncodeContext } from '../lowering.js';
import type { GpuTensor } from '../buffers.js';
import { sumSource } from '../kernels.js';

// sum: one workgroup per output element, partial sums combined in a workgroup-memory tree.
registerLowering('sum', async (device, node) => {
  const { axes, keepdims } = node.op as unknown as { axes: readonly number[]; keepdims: boolean };
  const x = node.inputs[0]!;
  const out = node.outputs[0]!;
  const kept = Array.from({ length: x.ndim }, (_, i) => i).filter((i) => !axes.includes(i));
  const pipe = await pipeline(device, sumSource(x.dtype, out.dtype, kept.length, axes.length));
  return {
    node,
    describe: `sum over axes [${axes.join(', ')}] (workgroup tree)`,
    shapes: ([t]) => [t!.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]))],
    encode: (pass, [t], [o], ctx) => dispatchReduction(pass, ctx, pipe, t!, o!, axes, kept),
  };
});

/**
 * One workgroup per output element, for every reduction kernel of this backend.
 * params: [nOut, nRed, keptShape, keptStrides, reducedShape, reducedStrides].
 */
export function dispatchReduction(
  pass: GPUComputePassEncoder, ctx: EncodeContext, pipe: GPUComputePipeline,
  t: GpuTensor, o: GpuTensor, axes: readonly number[], kept: readonly number[],
): void {
  const s = t.shape;
  const st = stridesOf(s);
  const nRed = axes.reduce((a, i) => a * s[i]!, 1);
  const nOut = kept.reduce((a, i) => a * s[i]!, 1);
  const params = ctx.params(Uint32Array.from([nOut, nRed, ...kept.map((i) => s[i]!), ...kept.map((i) => st[i]!), ...axes.map((i) => s[i]!), ...axes.map((i) => st[i]!)]));
  dispatch1d(ctx.device, pass, pipe, [params, t.buffer, o.buffer], nOut);
}
