/**
 * The op catalogue, the user's API: elementwise math, reductions, products, shapes, indexing,
 * convolution and pooling, random streams and math.js formulas. Each folder is one family; each op
 * states its type rule, gradient, semantics and kernels. What backends share with the reference
 * semantics is `@hypatia/ops/backend` (./backend.ts).
 *
 * @module @hypatia/ops
 */
export * from './util/as-variable.js';
export * from './elementwise/index.js';
export * from './reduce/index.js';
export * from './shape/index.js';
export * from './creation/index.js';
export * from './linalg/index.js';
export * from './indexing/index.js';
export * from './nnet/index.js';
export * from './random/index.js';
export * from './formula/index.js';
export * from './cumulative/index.js';
export * from './sorting/index.js';
// Installs the chaining methods (x.dot(W).add(b).sigmoid()) on Variable as a side effect of importing @hypatia/ops.
export { VARIABLE_METHODS, type VariableMethods } from './methods/variable-methods.js';
// Registers producer fusion (elementwise producers inlined into reductions, softmax rows, losses and gathers).
export * from './producer-fusion.js';
// Loops (scan), conditionals (ifelse), jacobian and hessian; registers their rewrites.
export * from './control/index.js';
