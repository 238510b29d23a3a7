/**
 * What a backend shares with the ops' reference semantics, so that it computes and refuses exactly
 * what `perform` does (the same geometry, run-time checks and host-side index arithmetic), and the
 * op table it is tested against. Not part of the user's API (`@hypatia/ops`).
 *
 * @module @hypatia/ops/backend
 */

// The table of small graphs every backend runs against the reference semantics.
export { OP_TABLE, checkCase, compareArrays, type OpCase } from './testing/op-table.js';
export { innerGraphRuns } from './testing/inner-graph-runs.js';
export { kernelNodeCases, type NodeCase } from './testing/kernel-node-cases.js';

// Matrix products.
export { gemm, type MatrixView } from './linalg/gemm-kernel.js';
export { batchStrides } from './linalg/matmul.js';

// Convolution and pooling geometry, and their run-time checks.
export * from './nnet/conv-geometry.js';
export { patchLayout, forEachImageBatch, checkGradShape, checkRunShape, type ConvSizes } from './nnet/conv-op.js';
export * from './nnet/pool-geometry.js';
export { type AvgPoolParams } from './nnet/avg-pool2d.js';

// Label losses: each row's label column, checked.
export { labelColumns } from './nnet/labels.js';

// Reductions: result shapes, folds and their checks.
export * from './reduce/reduce-kernel.js';
export { keptShape, accumulatorDtype } from './reduce/axis-reduction.js';
export { checkNotEmpty } from './reduce/extremum.js';

// Basic and advanced indexing: regions, strides and offsets.
export { resolveRegion, sliceRange, staticIndexedShape, type Region } from './shape/slice-spec.js';
export * from './shape/broadcast-into.js';
export { flatOffsets } from './shape/strided.js';
export { indexOffsets } from './indexing/index-arrays.js';

// arange's length from run-time bounds.
export { arangeLength } from './creation/arange.js';

// The counter-based generator every backend implements bit for bit.
export { philox4x32, philoxInto, PHILOX_ROUNDS } from './random/philox.js';

// The strided copy kernel of the shape ops (a backend's own views copy through it when not contiguous).
export { stridedCopyKernel, stridedCopyLaunch } from './shape/copy-kernels.js';

// Loops and conditionals: the op classes, and the one schedule of which rows a loop's steps read and write.
export { Scan } from './control/scan-op.js';
export { IfElse } from './control/ifelse.js';
export { ScanLayout, initialRows, initialIsState, type ScanInfo, type ScanOutputInfo } from './control/scan-info.js';
export { scanSchedule, rowAt, finalRow, initialRowShape, stepShapeError, noFinalValueError, type RowAt, type ScanBuffer, type ScanSchedule } from './control/scan-schedule.js';
