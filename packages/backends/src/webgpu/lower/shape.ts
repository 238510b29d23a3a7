import { input, stridesOf } from '@hypatia/core';
import { dispatch1d, pipeline, registerLowering, type Lowering } from '../lowering.js';
import { WORKGROUP, elementwiseMeta, elementwiseSource } from '../kernels.js';

// Reshapes are views: the output shares its input's buffer.
const view = (shape: (op: Record<string, unknown>, ins: readonly { shape: number[]; size: number }[]) => number[]): Lowering =>
  async (_device, node) => ({
    node,
    describe: `view ${node.op.toString()}`,
    alias: true,
    shapes: (ins) => [shape(node.op as unknown as Record<string, unknown>, ins)],
  });

registerLowering('reshape', view((op, [x]) => (op.resolve as (n: number) => number[]).call(op, x!.size)));
registerLowering('reshape_like', view((_op, [, like]) => [...like!.shape]));
registerLowering('flatten', view((op, [x]) => {
  const nd = op.ndim as number;
  return [...x!.shape.slice(0, nd - 1), x!.shape.slice(nd - 1).reduce((a, b) => a * b, 1)];
}));

// dimshuffle: the identity formula read through permuted strides (0 for inserted axes).
registerLowering('dimshuffle', async (device, node) => {
  const pattern = (node.op as unknown as { pattern: readonly (number | 'x')[] }).pattern;
  const out = node.outputs[0]!;
  const pipe = await pipeline(device, elementwiseSource(input(0, out.dtype), [out.dtype], out.dtype, out.ndim));
  return {
    node,
    describe: `dimshuffle{${pattern.join(',')}} (strided copy)`,
    shapes: ([x]) => [pattern.map((p) => (p === 'x' ? 1 : x!.shape[p]!))],
    encode: (pass, [x], [o], ctx) => {
      const st = stridesOf(x!.shape);
      const params = ctx.params(elementwiseMeta(o!.shape, [pattern.map((p) => (p === 'x' ? 0 : st[p]!))]));
      dispatch1d(ctx.device, pass, pipe, [params, x!.buffer, o!.buffer], Math.ceil(o!.size / WORKGROUP));
    },
  };
});
