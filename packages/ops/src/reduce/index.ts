export { AxisReduction } from './axis-reduction.js';
export * from './sum.js';
export * from './mean.js';
export { Extremum, max, min, type ExtremumKind } from './extremum.js';
export * from './prod.js';
export * from './arg-extremum.js';
export * from './variance.js';
// Registers the reduction rewrites with the pipeline as a side effect of importing @hypatia/ops.
export * from './rewrites.js';
