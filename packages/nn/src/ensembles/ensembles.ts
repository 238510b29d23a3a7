import { NDArray } from '@hypatia/core';
import { firstNonFinite, firstNonInteger, NnDataError } from '../data/check-data.js';

/**
 * Nielsen 6 / CS231n: model ensembles. Several independently trained networks make different errors,
 * so combining them is usually a point or two more accurate than any one of them.
 */

/** Majority vote over each model's predicted classes ([n] int32 each); ties go to the smallest class. */
export function majorityVote(predictions: readonly NDArray[]): NDArray {
  if (predictions.length === 0) throw new Error('majorityVote: needs at least one model');
  const n = predictions[0]!.size;
  if (predictions.some((p) => p.size !== n)) throw new RangeError('majorityVote: every model must predict the same number of examples');
  for (const [m, p] of predictions.entries()) {
    if (p.ndim !== 1) throw new NnDataError('majorityVote', `predictions[${m}]: must be [n] class indices, got [${p.shape.join(', ')}]`);
    const bad = firstNonInteger(p.data);
    if (bad !== null) throw new NnDataError('majorityVote', `predictions[${m}]: ${p.data[bad]} at row ${bad} is not a class index`);
  }
  const out = NDArray.zeros('int32', [n]);
  for (let i = 0; i < n; i++) {
    const counts = new Map<number, number>();
    for (const p of predictions) counts.set(p.data[i]!, (counts.get(p.data[i]!) ?? 0) + 1);
    let best = -1; let bestCount = -1;
    for (const [c, k] of counts) if (k > bestCount || (k === bestCount && c < best)) { best = c; bestCount = k; }
    out.data[i] = best;
  }
  return out;
}

/** Average the models' class probabilities ([n, classes] each) and take the most probable class. */
export function averageProbabilities(probabilities: readonly NDArray[]): { probabilities: NDArray; classes: NDArray } {
  if (probabilities.length === 0) throw new Error('averageProbabilities: needs at least one model');
  const [n, k] = probabilities[0]!.shape as [number, number];
  if (probabilities.some((p) => p.ndim !== 2 || p.shape[0] !== n || p.shape[1] !== k)) throw new RangeError('averageProbabilities: every model must give [n, classes] of the same shape');
  for (const [m, p] of probabilities.entries()) {
    const bad = firstNonFinite(p.data);
    if (bad >= 0) throw new NnDataError('averageProbabilities', `probabilities[${m}]: row ${Math.floor(bad / k)} column ${bad % k} is ${p.data[bad]}`);
  }
  const avg = NDArray.zeros('float64', [n, k]);
  for (const p of probabilities) for (let i = 0; i < n * k; i++) avg.data[i]! += p.data[i]! / probabilities.length;
  const classes = NDArray.zeros('int32', [n]);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (avg.data[i * k + c]! > avg.data[i * k + b]!) b = c;
    classes.data[i] = b;
  }
  return { probabilities: avg, classes };
}
