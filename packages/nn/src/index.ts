/**
 * Layers, networks, training and datasets in the style of Nielsen's network3.py. Browser-safe;
 * what reads and writes files is `@hypatia/nn/node`.
 *
 * @module @hypatia/nn
 */
export * from './data/idx.js';
export * from './data/dataset.js';
export { NnDataError, checkDataset } from './data/check-data.js';
export * from './data/expand.js';
export * from './init/rng.js';
export * from './init/initializers.js';
export * from './layers/activations.js';
export * from './layers/layer.js';
export * from './layers/dense-layer.js';
export * from './layers/dropout-layer.js';
export * from './layers/fully-connected.js';
export * from './layers/softmax-layer.js';
export * from './layers/sigmoid-output-layer.js';
export * from './layers/conv-pool.js';
export * from './layers/batch-norm.js';
export * from './layers/recurrent-common.js';
export * from './layers/recurrent-layer.js';
export * from './layers/lstm-layer.js';
export * from './layers/gru-layer.js';
export * from './layers/embedding-layer.js';
export * from './costs/sequence-costs.js';
export * from './optimizers/optimizers.js';
export * from './training/history.js';
export * from './training/progress-bar.js';
export * from './network.js';
export * from './training/fit.js';
export * from './training/checkpoint.js';
export * from './training/checkpoint-store.js';
export * from './training/training-state.js';
export * from './io/safetensors.js';
export * from './io/network-io.js';
export * from './techniques.js';
