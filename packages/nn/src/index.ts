// @hypatia/nn: layers, networks and datasets in the style of Nielsen's network3.py. Browser-safe;
// file loaders live in '@hypatia/nn/node'.
export * from './data/idx.js';
export * from './data/dataset.js';
export * from './data/expand.js';
export * from './init/rng.js';
export * from './init/initializers.js';
export * from './layers/activations.js';
export * from './layers/layer.js';
export * from './layers/dropout.js';
export * from './layers/fully-connected.js';
export * from './layers/softmax-layer.js';
export * from './layers/conv-pool.js';
export * from './training/update-rules.js';
export * from './training/progress-bar.js';
export * from './network.js';
export * from './io/safetensors.js';
export * from './io/network-io.js';
export * from './techniques.js';
