import type { StepFamily } from '../step-family.js';
import { irKernels } from './ir.js';
import { argExtremum, elemwiseSum, reduce } from './reductions.js';
import { products } from './products.js';
import { productEpilogue } from './product-epilogue.js';
import { conv } from './conv.js';
import { avgPool, maxPool, maxPoolGradGrad } from './pooling.js';
import { labelLoss, rows } from './rows.js';
import { shapeAt, slice, transpose, view } from './views.js';
import { arange, eye, gather, lastWriteMask, scatter } from './indexing.js';
import { random } from './random.js';
import { concatenate, concatenatePart, regionWrite } from './blocks.js';

/**
 * Every step family, tried in order; a node no family takes runs its JS `perform` (a host step).
 * Views come before transpose (an in-order dimshuffle is a view), and the op's own kernels in the
 * IR last, for every node no hand-written family takes.
 */
export const STEP_FAMILIES: readonly StepFamily[] = [
  elemwiseSum, reduce, productEpilogue, products, conv, maxPool, maxPoolGradGrad, avgPool, rows, view, transpose, slice, shapeAt, gather, scatter,
  lastWriteMask, concatenate, concatenatePart, regionWrite, argExtremum, arange, eye, random, labelLoss, irKernels,
];
