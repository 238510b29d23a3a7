export { DimShuffle, dimshuffle, transpose, type Pattern } from './dimshuffle.js';
export * from './reshape.js';
export { SymbolicReshape, type TargetLength } from './symbolic-reshape.js';
export * from './expand-dims.js';
export * from './concatenate.js';
export type { AxisIndex, Bound, IndexEntry, IndexScalar, SliceTuple } from './slice-spec.js';
export * from './subtensor.js';
export { IncSubtensor, incSubtensor, setSubtensor } from './inc-subtensor.js';
// Registers the shape rewrites with the pipeline as a side effect of importing @hypatia/ops.
export * from './rewrites.js';
export { incZerosConcat } from './inc-zeros-concat.js';
