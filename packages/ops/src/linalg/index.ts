export * from './gemm-kernel.js';
export * from './dot.js';
export * from './matmul.js';
// Registers the product rewrites with the pipeline as a side effect of importing @hypatia/ops.
import './rewrites.js';
export * from './product-epilogue.js';
export { fuseProductEpilogues } from './epilogue-rewrite.js';
