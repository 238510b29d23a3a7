/**
 * The parts of `@hypatia/nn` that read and write files (node:fs): IDX and MNIST loading, saving
 * and loading networks, checkpoint folders. Browser code imports `@hypatia/nn` only.
 *
 * @module @hypatia/nn/node
 */
export * from './data/load-idx.js';
export * from './data/load-mnist.js';
export * from './io/save-network.js';
export * from './io/checkpoint-files.js';
