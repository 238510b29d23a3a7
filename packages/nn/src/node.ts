// @hypatia/nn/node: the parts that read and write files (node:fs). Browser code imports '@hypatia/nn' only.
export * from './data/load-idx.js';
export * from './data/load-mnist.js';
export * from './io/save-network.js';
export * from './io/checkpoint-files.js';
