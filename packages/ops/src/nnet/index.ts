// Neural-network ops and the rewrites that keep their compositions numerically stable.
export * from './softmax.js';
export * from './softmax-grad.js';
export * from './log-softmax.js';
export * from './softmax-crossentropy.js';
export * from './softmax-crossentropy-grad.js';
export * from './categorical-crossentropy.js';
export * from './categorical-crossentropy-grad.js';
export * from './binary-crossentropy.js';
export * from './conv-geometry.js';
export * from './conv-op.js';
export * from './conv2d.js';
export * from './conv2d-grad-input.js';
export * from './conv2d-grad-filters.js';
export * from './pool-geometry.js';
export * from './max-pool2d.js';
export * from './max-pool2d-grad.js';
export * from './max-pool2d-grad-grad.js';
export * from './avg-pool2d.js';
export * from './avg-pool2d-grad.js';
// Registers the stabilising rewrites with the pipeline as a side effect of importing @hypatia/ops.
export * from './rewrites.js';
