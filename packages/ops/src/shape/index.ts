export * from './dimshuffle.js';
export * from './reshape.js';
export * from './expand-dims.js';
export * from './concatenate.js';
export * from './slice-spec.js';
export * from './subtensor.js';
export * from './inc-subtensor.js';
