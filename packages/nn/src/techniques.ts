// The reference texts' training techniques (issue 6): costs, regularisation, initialisation,
// optimisers and schedules, batch norm, preprocessing, augmentation, diagnostics and ensembles.
export * from './costs/costs.js';
export * from './costs/sigmoid-output-layer.js';
export * from './regularization/penalties.js';
export * from './regularization/max-norm.js';
export * from './regularization/dropout-layer.js';
export * from './regularization/early-stopping.js';
export * from './init/schemes.js';
export * from './optimizers/optimizers.js';
export * from './optimizers/clip.js';
export * from './optimizers/fit.js';
export * from './schedules/schedules.js';
export * from './normalization/batch-norm.js';
export * from './preprocessing/preprocessing.js';
export * from './preprocessing/split.js';
export * from './augmentation/augmentation.js';
export * from './diagnostics/gradient-check.js';
export * from './diagnostics/gradient-norms.js';
export * from './diagnostics/bias-variance.js';
export * from './diagnostics/hyperparameter-search.js';
export * from './ensembles/ensembles.js';

// Saved networks with these layers load again.
import { registerLayerType } from './io/network-io.js';
import { DropoutLayer } from './regularization/dropout-layer.js';
import { SigmoidOutputLayer } from './costs/sigmoid-output-layer.js';
registerLayerType('DropoutLayer', DropoutLayer.fromConfig);
registerLayerType('SigmoidOutputLayer', SigmoidOutputLayer.fromConfig);
