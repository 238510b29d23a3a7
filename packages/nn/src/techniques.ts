// The reference texts' training techniques (issue 6): costs, regularisation, initialisation,
// optimisers and schedules, preprocessing, augmentation, diagnostics and ensembles (their layers,
// DropoutLayer, SigmoidOutputLayer and BatchNormLayer, are in layers/; fit is in training/).
export * from './costs/costs.js';
export * from './regularization/penalties.js';
export * from './regularization/max-norm.js';
export * from './regularization/early-stopping.js';
export * from './init/schemes.js';
export * from './optimizers/clip.js';
export * from './schedules/schedules.js';
export * from './preprocessing/preprocessing.js';
export * from './preprocessing/split.js';
export * from './augmentation/augmentation.js';
export * from './diagnostics/gradient-check.js';
export * from './diagnostics/gradient-norms.js';
export * from './diagnostics/bias-variance.js';
export * from './diagnostics/hyperparameter-search.js';
export * from './ensembles/ensembles.js';
