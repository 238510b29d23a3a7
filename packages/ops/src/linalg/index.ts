export { Dot, dot, outer } from './dot.js';
export { MatMul, matmul } from './matmul.js';
export { tensordot, type TensordotAxes } from './tensordot.js';
// Registers the product rewrites with the pipeline as a side effect of importing @hypatia/ops.
import './rewrites.js';
export { ProductEpilogue } from './product-epilogue.js';
export { fuseProductEpilogues } from './epilogue-rewrite.js';
export { Gemm } from './gemm.js';
export { fuseGemmUpdates } from './gemm-rewrite.js';
