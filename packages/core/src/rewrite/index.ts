// The generic rewrites. Importing this module registers them with the pipeline (registry.ts).
export * from './match.js';
export * from './merge.js';
export * from './constant-folding.js';
export * from './gradient-ops.js';
export * from './composite.js';
export * from './elemwise-node.js';
export * from './fusion.js';
export * from './fused.js';
export * from './producer-fusion.js';
export * from './check-rewrite.js';
