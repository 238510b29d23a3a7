/**
 * Theano-style symbolic autodiff: typed tensor variables and graphs, `grad` (reverse mode, as more
 * graph), the rewrite pipeline, the kernel IR, and `compile`, which runs a graph on a backend
 * registered by `@hypatia/backends`.
 *
 * @module @hypatia/core
 */
export * from './dtype.js';
export * from './ndarray.js';
export * from './site.js';
export * from './errors.js';
export * from './graph/type.js';
export * from './graph/variable.js';
export * from './graph/apply.js';
export * from './graph/op.js';
export * from './graph/fused-parts.js';
export * from './graph/traverse.js';
export * from './graph/print.js';
export * from './graph/fgraph.js';
export * from './scalar/expr.js';
export * from './scalar/js.js';
export * from './elemwise.js';
export * from './grad-ops.js';
export * from './grad.js';
export * from './evaluate.js';
export * from './constructors.js';
export * from './verify-grad.js';
export * from './compile/backend.js';
export * from './compile/function.js';
export * from './rewrite/registry.js';
export * from './rewrite/index.js';
export * from './debug-print.js';
export * from './kernel/index.js';
export * from './control/index.js';
