import type { Apply } from '@hypatia/core';
import { Dot, MatMul } from '@hypatia/ops';
import { gemmKernelC } from '../kernels/gemm-c.js';
import type { KernelTable } from '../kernel-table.js';
import { runProduct } from '../run-products.js';
import { family, type NativeStep } from '../step-family.js';

/** Kernels with one C type throughout run natively when every operand already has the (float) result dtype; others run on the host. */
export function sameFloatDtype(node: Apply): 'float32' | 'float64' | null {
  const d = node.outputs[0]!.dtype;
  return (d === 'float32' || d === 'float64') && node.inputs.every((v) => v.dtype === d) ? d : null;
}

export function gemmKernel(kernels: KernelTable, d: 'float32' | 'float64'): number {
  return kernels.get(`gemm:${d}`, (name) => gemmKernelC(name, d));
}

interface ProductStep extends NativeStep { kernel: number; batched: boolean }

/**
 * Float Dot and MatMul through the gemm routine (run-products.ts computes the run-time geometry);
 * other dtypes run the ops' IR kernels. ProductEpilogue (a product with a fused elementwise
 * epilogue, runProductEpilogue in run-products.ts) is the same routine with a tile function.
 */
export const products = family<ProductStep>({
  kind: 'product',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof Dot || op instanceof MatMul)) return null;
    const d = sameFloatDtype(node);
    if (!d) return null;
    return { node, batched: op instanceof MatMul, kernel: gemmKernel(kernels, d) };
  },
  run(s, [a, b], ctx) {
    const dtype = s.node.outputs[0]!.dtype;
    return runProduct(s.node, a!, b!, (shape) => ctx.allocate(s.node, dtype, shape), (buffers, params) => ctx.launch(s.kernel, buffers, params));
  },
  label: (s) => (s.batched ? 'matmul' : 'dot'),
});
