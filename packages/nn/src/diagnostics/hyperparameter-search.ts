import { Rng } from '../init/rng.js';

/** Hyperparameter values by name. */
export type Hyperparameters = Record<string, number>;
/** One evaluated set of hyperparameters and its score (higher is better). */
export interface Trial { params: Hyperparameters; score: number }

/** Every combination of the listed values (the tuning text's grid search); higher score is better. */
export async function gridSearch(space: Record<string, readonly number[]>, evaluate: (p: Hyperparameters) => Promise<number> | number): Promise<Trial[]> {
  let combos: Hyperparameters[] = [{}];
  for (const [k, values] of Object.entries(space)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  return rank(combos, evaluate);
}

/** A range to sample: uniform, or uniform in log space (for learning rates and regularisation strengths). */
export interface Range { min: number; max: number; log?: boolean; integer?: boolean }

/** A value drawn from `r`: uniform, or uniform in log space, rounded for an integer range. */
export function sampleRange(r: Range, rng: Rng): number {
  const u = rng.uniform();
  const v = r.log ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min))) : r.min + u * (r.max - r.min);
  return r.integer ? Math.round(v) : v;
}

/**
 * Random search (the tuning text, CS231n): with a few important hyperparameters among many, random
 * points try more distinct values of each than a grid of the same size; scales like the learning
 * rate are sampled on a log scale.
 */
export async function randomSearch(space: Record<string, Range>, trials: number, evaluate: (p: Hyperparameters) => Promise<number> | number, seed = 0): Promise<Trial[]> {
  const rng = new Rng(seed);
  const combos = Array.from({ length: trials }, () => Object.fromEntries(Object.entries(space).map(([k, r]) => [k, sampleRange(r, rng)])));
  return rank(combos, evaluate);
}

async function rank(combos: Hyperparameters[], evaluate: (p: Hyperparameters) => Promise<number> | number): Promise<Trial[]> {
  const trials: Trial[] = [];
  for (const params of combos) trials.push({ params, score: await evaluate(params) });
  return trials.sort((a, b) => b.score - a.score);
}
