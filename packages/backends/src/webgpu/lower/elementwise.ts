import { Elemwise, broadcastStrides, elementwiseRunShape, input } from '@hypatia/core';
import { dispatch1d, pipeline, registerElementwiseLowering } from '../lowering.js';
import { WORKGROUP, elementwiseMeta, elementwiseSource } from '../kernels.js';

// Any Elemwise op, built-in, user-defined or fused: one kernel from its scalar formula.
registerElementwiseLowering(async (device, node) => {
  const op = node.op as Elemwise;
  const out = node.outputs[0]!;
  const formula = op.scalarFormula(node.inputs.map((v, i) => input(i, v.dtype)));
  const pipe = await pipeline(device, elementwiseSource(formula, node.inputs.map((v) => v.dtype), out.dtype, out.ndim));
  return {
    node,
    describe: `elementwise ${op.toString()} (${node.inputs.length} inputs, rank ${out.ndim})`,
    shapes: (ins) => [elementwiseRunShape(node, ins.map((t) => t.shape))],
    encode: (pass, ins, [o], ctx) => {
      const params = ctx.params(elementwiseMeta(o!.shape, ins.map((t) => broadcastStrides(t.shape, o!.shape))));
      dispatch1d(ctx.device, pass, pipe, [params, ...ins.map((t) => t.buffer), o!.buffer], Math.ceil(o!.size / WORKGROUP));
    },
  };
});
