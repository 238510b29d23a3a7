// Creation ops: arrays from static shapes (constants) and from run-time shapes (ops).
export { full, zeros, ones, fullLike, zerosLike, onesLike } from './fill.js';
export * from './shape-of.js';
export { ARange, arange } from './arange.js';
export * from './eye.js';
// Registers the shape-source rewrite with the pipeline as a side effect of importing @hypatia/ops.
export * from './rewrites.js';
