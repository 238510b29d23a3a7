import { OpTable, type Apply } from '@hypatia/core';
import {
  AvgPool2d, AvgPool2dGrad, Conv2d, Conv2dGradFilters, Conv2dGradInput, DimShuffle, Dot, Flatten, Gemm, MatMul, MaxPool2d,
  MaxPool2dGrad, IncSubtensor, ProductEpilogue, Reshape, ReshapeLike, Shape, ShapeAt, Subtensor,
} from '@hypatia/ops';
import { IfElse, Scan } from '@hypatia/ops/backend';
import type { KernelTable } from '../kernel-table.js';
import type { NativeStep, StepFamily } from '../step-family.js';
import { irKernels } from './ir.js';
import { products } from './products.js';
import { productEpilogue } from './product-epilogue.js';
import { gemmUpdate } from './gemm.js';
import { conv } from './conv.js';
import { avgPool, maxPool } from './pooling.js';
import { regionWrite, shapeAt, slice, view } from './views.js';
import { scanLoop } from './scan.js';
import { ifelseBranch } from './ifelse.js';

/** A node's step and the family that runs it. */
export interface PlannedStep { family: StepFamily; step: NativeStep }

/** A rule trying families in order (a dimshuffle is a view when it keeps the axes' order, else a copy). */
const via = (...families: StepFamily[]) => (node: Apply, _op: unknown, kernels: KernelTable): PlannedStep | null => {
  for (const family of families) {
    const step = family.plan(node, kernels);
    if (step) return { family, step };
  }
  return null;
};

/**
 * What the executor runs by op class before an op's own kernels in the IR: views of an operand's
 * buffer (reshapes, in-order dimshuffles, slices: copies only when not contiguous) and shapes read
 * from operands (no kernel), then the named routines where hand-tuned C beats the printed IR (the
 * gemm, im2col convolution, the vectorised pooling paths). A rule declines a node it does not
 * cover (a dimshuffle that reorders axes, an int32 product, an irregular pooling geometry), which
 * then runs its IR kernels.
 */
export const NATIVE_STEPS = new OpTable<PlannedStep, KernelTable>()
  .set(DimShuffle, via(view))
  .set(Reshape, via(view))
  .set(Flatten, via(view))
  .set(ReshapeLike, via(view))
  .set(Subtensor, via(slice))
  .set(IncSubtensor, via(regionWrite))
  .set(Shape, via(shapeAt))
  .set(ShapeAt, via(shapeAt))
  .set(Dot, via(products))
  .set(MatMul, via(products))
  .set(ProductEpilogue, via(productEpilogue))
  .set(Gemm, via(gemmUpdate))
  .set(Conv2d, via(conv))
  .set(Conv2dGradInput, via(conv))
  .set(Conv2dGradFilters, via(conv))
  .set(MaxPool2d, via(maxPool))
  .set(MaxPool2dGrad, via(maxPool))
  .set(AvgPool2d, via(avgPool))
  .set(AvgPool2dGrad, via(avgPool))
  // Ops holding graphs: their inner graphs' steps run inside, a loop as one LOOP instruction.
  .set(Scan, via(scanLoop))
  .set(IfElse, via(ifelseBranch));

/** How a node runs: the rule of its class, else its op's kernels in the IR; null: its JS perform (a host step). */
export function planNativeStep(node: Apply, kernels: KernelTable): PlannedStep | null {
  return NATIVE_STEPS.find(node, kernels) ?? via(irKernels)(node, null, kernels);
}
