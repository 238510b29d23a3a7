export * from './dimshuffle.js';
export * from './reshape.js';
export * from './expand-dims.js';
export * from './concatenate.js';
export * from './slice-spec.js';
export * from './broadcast-into.js';
export * from './subtensor.js';
export * from './inc-subtensor.js';
// Registers the shape rewrites with the pipeline as a side effect of importing @hypatia/ops.
export * from './rewrites.js';
