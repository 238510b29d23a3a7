import { input, stridesOf, type Apply } from '@hypatia/core';
import { DimShuffle, Flatten, Reshape, ReshapeLike } from '@hypatia/ops';
import { ROUTINES, dispatch1d, pipeline, type Routine } from '../lowering.js';
import { WORKGROUP, elementwiseMeta, elementwiseSource } from '../kernels.js';

// Reshapes are views: the output shares its input's buffer.
const view = (node: Apply, shape: (ins: readonly { shape: number[]; size: number }[]) => number[]): Routine =>
  async () => ({
    node,
    describe: `view ${node.op.toString()}`,
    alias: true,
    shapes: (ins) => [shape(ins)],
  });

ROUTINES.set(Reshape, (node, op) => view(node, ([x]) => op.resolve(x!.size, node)));
ROUTINES.set(ReshapeLike, (node) => view(node, ([, like]) => [...like!.shape]));
ROUTINES.set(Flatten, (node, op) => view(node, ([x]) => [...x!.shape.slice(0, op.ndim - 1), x!.shape.slice(op.ndim - 1).reduce((a, b) => a * b, 1)]));

// dimshuffle: the identity formula read through permuted strides (0 for inserted axes).
ROUTINES.set(DimShuffle, (node, { pattern }) => async (device) => {
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
