// Neural-network ops and the rewrites that keep their compositions numerically stable.
export * from './softmax.js';
export * from './softmax-grad.js';
export * from './log-softmax.js';
export * from './softmax-crossentropy.js';
export * from './softmax-crossentropy-grad.js';
export * from './categorical-crossentropy.js';
export * from './categorical-crossentropy-grad.js';
export * from './binary-crossentropy.js';
export * from './one-hot.js';
export type { Conv2dOptions, ConvPadding } from './conv-geometry.js';
export { ConvOp } from './conv-op.js';
export * from './conv2d.js';
export * from './conv2d-grad-input.js';
export * from './conv2d-grad-filters.js';
export type { Pool2dOptions } from './pool-geometry.js';
export { MaxPool2d, maxPool2d } from './max-pool2d.js';
export * from './max-pool2d-grad.js';
export * from './max-pool2d-grad-grad.js';
export { AvgPool2d, avgPool2d, type AvgPool2dOptions } from './avg-pool2d.js';
export * from './avg-pool2d-grad.js';
// Registers the stabilising rewrites with the pipeline as a side effect of importing @hypatia/ops.
export * from './rewrites.js';
