/**
 * The practical-aspects text's diagnosis: compare training error with a target (human or Bayes)
 * error and with validation error. A large first gap is avoidable bias (underfitting: a bigger net,
 * longer training); a large second gap is variance (overfitting: more data, regularisation).
 */
export interface BiasVarianceReport {
  trainError: number;
  validationError: number;
  targetError: number;
  avoidableBias: number;
  variance: number;
  diagnosis: 'high bias' | 'high variance' | 'high bias and high variance' | 'good fit';
  advice: string;
}

/**
 * Diagnoses bias and variance from training and validation accuracy (see BiasVarianceReport); gaps within `tolerance` (default 0.02) of the target error (default 0) count as small.
 */
export function biasVarianceReport(trainAccuracy: number, validationAccuracy: number, options: { targetError?: number; tolerance?: number } = {}): BiasVarianceReport {
  const targetError = options.targetError ?? 0;
  const tol = options.tolerance ?? 0.02;
  const trainError = 1 - trainAccuracy;
  const validationError = 1 - validationAccuracy;
  const avoidableBias = trainError - targetError;
  const variance = validationError - trainError;
  const bias = avoidableBias > tol;
  const varHigh = variance > tol;
  const diagnosis = bias && varHigh ? 'high bias and high variance' : bias ? 'high bias' : varHigh ? 'high variance' : 'good fit';
  const advice = {
    'high bias': 'underfitting: a bigger network, longer training or a better optimiser',
    'high variance': 'overfitting: more data (or augmentation), regularisation (L2, dropout) or early stopping',
    'high bias and high variance': 'reduce bias first (bigger network, longer training), then variance (more data, regularisation)',
    'good fit': 'both gaps are within tolerance',
  }[diagnosis];
  return { trainError, validationError, targetError, avoidableBias, variance, diagnosis, advice };
}
