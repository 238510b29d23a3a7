import { OpTable, type Apply } from '@hypatia/core';
import { AvgPool2d, AvgPool2dGrad, Conv2d, Conv2dGradFilters, Conv2dGradInput, DimShuffle, Dot, Flatten, IncSubtensor, MatMul, MaxPool2d, MaxPool2dGrad, ProductEpilogue, Reshape, ReshapeLike, Shape, ShapeAt, Subtensor } from '@hypatia/ops';
import { IfElse, Scan } from '@hypatia/ops/backend';
import type { WasmKernelTable } from '../function-module.js';
import type { WasmStep, WasmStepFamily } from '../wasm-step.js';
import { conv } from './conv.js';
import { irKernels } from './ir.js';
import { pooling } from './pooling.js';
import { productEpilogue, products } from './products.js';
import { regionWrite, shapeAt, slice, view } from './views.js';
import { scanLoop } from './scan.js';
import { ifelseBranch } from './ifelse.js';

/** A node's step and the family that runs it. */
export interface PlannedWasmStep { family: WasmStepFamily; step: WasmStep }

const via = (...families: WasmStepFamily[]) => (node: Apply, _op: unknown, table: WasmKernelTable): PlannedWasmStep | null => {
  for (const family of families) {
    const step = family.plan(node, table);
    if (step) return { family, step };
  }
  return null;
};

/**
 * What the wasm executor runs by op class before an op's own IR kernels: views of an operand's
 * block (reshapes, in-order dimshuffles, contiguous slices), region writes whose region a replay
 * checks, shapes read from operands, and the named routines where hand-written WebAssembly beats
 * the printed IR. A rule declines a node it does not cover, which then runs its IR kernels.
 */
export const WASM_STEPS = new OpTable<PlannedWasmStep, WasmKernelTable>()
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
  .set(Conv2d, via(conv))
  .set(Conv2dGradInput, via(conv))
  .set(Conv2dGradFilters, via(conv))
  .set(MaxPool2d, via(pooling))
  .set(MaxPool2dGrad, via(pooling))
  .set(AvgPool2d, via(pooling))
  .set(AvgPool2dGrad, via(pooling))
  // Ops holding graphs: their inner graphs' steps run inside, a loop as one launch of the loop routine.
  .set(Scan, via(scanLoop))
  .set(IfElse, via(ifelseBranch));

/** How a node runs: the rule of its class, else its op's IR kernels; null: its JS perform (a host step). */
export function planWasmStep(node: Apply, table: WasmKernelTable): PlannedWasmStep | null {
  return WASM_STEPS.find(node, table) ?? via(irKernels)(node, null, table);
}
