import { Gemm } from '@hypatia/ops';
import { gemmKernelC } from '../kernels/gemm-c.js';
import { runGemm } from '../run-gemm.js';
import { family, type NativeStep } from '../step-family.js';
import { sameFloatDtype } from './products.js';

interface GemmStep extends NativeStep { kernel: number }

/**
 * Gemm (β·Z + α·op(X)·op(Y), the gemm rewrite's SGD update): the gemm kernel in its accumulating
 * form, which writes β·Z + α·acc at the first k-block and adds α·acc after. Its launch declares Z
 * the one operand read element for element, so a replay may write an update into Z's own buffer.
 */
export const gemmUpdate = family<GemmStep>({
  kind: 'gemm',
  output: 'kernel',
  plan(node, kernels) {
    if (!(node.op instanceof Gemm)) return null;
    const d = sameFloatDtype(node);
    if (!d) return null;
    return { node, kernel: kernels.get(`gemm_accumulate:${d}`, (name) => gemmKernelC(name, d, undefined, true)) };
  },
  run(s, ins, ctx) {
    const dtype = s.node.outputs[0]!.dtype;
    // X, Y, α and β are read at any element; only Z element for element.
    return runGemm(s.node, ins, (shape) => ctx.allocate(s.node, dtype, shape), (buffers, params, out, pointwise) =>
      ctx.launchUpdate(s.kernel, buffers, params, { out, pointwise, anywhere: [buffers[0]!, buffers[1]!, buffers[4]!, buffers[5]!] }));
  },
});
