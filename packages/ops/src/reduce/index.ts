export * from './reduce-kernel.js';
export * from './sum.js';
