export * from './reduce-kernel.js';
export * from './axis-reduction.js';
export * from './sum.js';
export * from './count.js';
export * from './mean.js';
export * from './extremum.js';
export * from './prod.js';
export * from './arg-extremum.js';
export * from './variance.js';
// Registers the reduction rewrites with the pipeline as a side effect of importing @hypatia/ops.
export * from './rewrites.js';
export * from './reduction-fusion.js';
