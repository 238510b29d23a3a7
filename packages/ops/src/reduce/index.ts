export * from './reduce-kernel.js';
export * from './sum.js';
export * from './count.js';
export * from './mean.js';
export * from './extremum.js';
export * from './prod.js';
export * from './arg-extremum.js';
export * from './variance.js';
