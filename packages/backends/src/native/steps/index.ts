import { ElemwiseSum, OpTable, type Apply } from '@hypatia/core';
import {
  ARange, AdvancedIncSubtensor, AdvancedSubtensor, ArgExtremum, AvgPool2d, AvgPool2dGrad, CategoricalCrossentropyGrad,
  CategoricalCrossentropyWithLabels, Concatenate, ConcatenatePart, Conv2d, Conv2dGradFilters, Conv2dGradInput, DimShuffle,
  Dot, Extremum, Eye, Flatten, IncSubtensor, LastWriteMask, LogSoftmax, MatMul, MaxPool2d, MaxPool2dGrad, MaxPool2dGradGrad,
  Prod, ProductEpilogue, Reshape, ReshapeLike, Shape, ShapeAt, Softmax, SoftmaxCrossentropyGrad,
  SoftmaxCrossentropyWithLabels, SoftmaxGrad, Subtensor, Sum,
} from '@hypatia/ops';
import type { KernelTable } from '../kernel-table.js';
import type { NativeStep, StepFamily } from '../step-family.js';
import { irKernels } from './ir.js';
import { argExtremum, elemwiseSum, reduce } from './reductions.js';
import { products } from './products.js';
import { productEpilogue } from './product-epilogue.js';
import { conv } from './conv.js';
import { avgPool, maxPool, maxPoolGradGrad } from './pooling.js';
import { labelLoss, rows } from './rows.js';
import { shapeAt, slice, transpose, view } from './views.js';
import { arange, eye, gather, lastWriteMask, scatter } from './indexing.js';
import { concatenate, concatenatePart, regionWrite } from './blocks.js';

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
 * What the executor runs by op class, before an op's own kernels in the IR: views of an operand's
 * buffer (reshapes, in-order dimshuffles, contiguous slices), and hand-written C steps. A rule may
 * decline a node (a geometry its fast path does not cover), which then runs its IR kernels.
 */
export const NATIVE_STEPS = new OpTable<PlannedStep, KernelTable>()
  .set(DimShuffle, via(view, transpose))
  .set(Reshape, via(view))
  .set(Flatten, via(view))
  .set(ReshapeLike, via(view))
  .set(Subtensor, via(slice))
  .set(Shape, via(shapeAt))
  .set(ShapeAt, via(shapeAt))
  .set(Dot, via(products))
  .set(MatMul, via(products))
  .set(ProductEpilogue, via(productEpilogue))
  .set(Conv2d, via(conv))
  .set(Conv2dGradInput, via(conv))
  .set(Conv2dGradFilters, via(conv))
  .set(MaxPool2d, via(maxPool))
  .set(MaxPool2dGrad, via(maxPool))
  .set(MaxPool2dGradGrad, via(maxPoolGradGrad))
  .set(AvgPool2d, via(avgPool))
  .set(AvgPool2dGrad, via(avgPool))
  .set(ElemwiseSum, via(elemwiseSum))
  .set(Sum, via(reduce))
  .set(Prod, via(reduce))
  .set(Extremum, via(reduce))
  .set(ArgExtremum, via(argExtremum))
  .set(Softmax, via(rows))
  .set(LogSoftmax, via(rows))
  .set(SoftmaxGrad, via(rows))
  .set(SoftmaxCrossentropyWithLabels, via(labelLoss))
  .set(SoftmaxCrossentropyGrad, via(labelLoss))
  .set(CategoricalCrossentropyWithLabels, via(labelLoss))
  .set(CategoricalCrossentropyGrad, via(labelLoss))
  .set(AdvancedSubtensor, via(gather))
  .set(AdvancedIncSubtensor, via(scatter))
  .set(LastWriteMask, via(lastWriteMask))
  .set(Concatenate, via(concatenate))
  .set(ConcatenatePart, via(concatenatePart))
  .set(IncSubtensor, via(regionWrite))
  .set(ARange, via(arange))
  .set(Eye, via(eye));

/** How a node runs: the rule of its class, else its op's kernels in the IR; null: its JS perform (a host step). */
export function planNativeStep(node: Apply, kernels: KernelTable): PlannedStep | null {
  return NATIVE_STEPS.find(node, kernels) ?? via(irKernels)(node, null, kernels);
}
