export { AdvancedSubtensor, advancedIndex, take } from './advanced-subtensor.js';
export * from './advanced-inc-subtensor.js';
export * from './last-write-mask.js';
export { takeAlongAxis } from './take-along-axis.js';
export { MaskPositions } from './mask-positions.js';
export { booleanMask, flatnonzero } from './boolean-mask.js';
