export * from './gemm-kernel.js';
export * from './dot.js';
export * from './matmul.js';
