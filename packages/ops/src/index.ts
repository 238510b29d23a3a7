// The op catalogue. Each folder is one family; each op states its type rule, gradient and semantics.
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
export { OP_TABLE, checkCase, compareArrays, type OpCase } from './testing/op-table.js';
// Host-side helpers the backends share with the reference semantics (same checks, same errors).
export { flatOffsets } from './shape/strided.js';
export { indexOffsets } from './indexing/index-arrays.js';
export { labelColumns } from './nnet/labels.js';
