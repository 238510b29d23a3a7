// The generic rewrites. Importing this module registers them with the pipeline (registry.ts).
export * from './match.js';
export * from './merge.js';
export * from './constant-folding.js';
export * from './algebraic.js';
export * from './shape-chains.js';
export * from './shape-sources.js';
export * from './composite.js';
export * from './fusion.js';
export * from './reduction-fusion.js';
export * from './check-rewrite.js';
