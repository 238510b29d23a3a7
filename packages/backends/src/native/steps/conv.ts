import { Conv2d, Conv2dGradFilters, Conv2dGradInput } from '@hypatia/ops';
import { conv2dKernelsC } from '../kernels/conv2d-c.js';
import { runConv } from '../run-conv.js';
import { family, type NativeStep } from '../step-family.js';
import { gemmKernel, sameFloatDtype } from './products.js';

interface ConvStep extends NativeStep { kernel: number }

/** conv2d and its two gradients: patch gathers around the gemm kernel (run-conv.ts has the geometry). */
export const conv = family<ConvStep>({
  kind: 'conv2d',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    const which = op instanceof Conv2d ? 'forward' : op instanceof Conv2dGradInput ? 'grad_input' : op instanceof Conv2dGradFilters ? 'grad_filters' : null;
    const d = sameFloatDtype(node);
    if (!which || !d) return null;
    const gemm = gemmKernel(kernels, d);
    return { node, kernel: kernels.get(`conv2d_${which}:${d}`, (name) => conv2dKernelsC(name, d, kernels.list[gemm]!.name, which)) };
  },
  run(s, ins, ctx) {
    const dtype = s.node.outputs[0]!.dtype;
    return runConv(s.node, ins, (shape) => ctx.allocate(s.node, dtype, shape), (buffers, params) => ctx.launch(s.kernel, buffers, params));
  },
});
