export * from './factory.js';
export * from './arithmetic.js';
export * from './rounding.js';
export * from './erf.js';
export { broadcastLike, sumToShape, castTo, secondOp } from './broadcast.js';
// Registers the algebraic rewrites with the pipeline as a side effect of importing @hypatia/ops.
export * from './rewrites.js';
