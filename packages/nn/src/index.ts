// @hypatia/nn: layers, networks and datasets in the style of Nielsen's network3.py. Browser-safe;
// file loaders live in '@hypatia/nn/node'.
export * from './data/idx.js';
export * from './data/dataset.js';
export * from './data/expand.js';
