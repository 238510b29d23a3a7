import { cloneGraph, compile, constant, grad, NDArray, shared, type SharedVariable, type Variable } from '@hypatia/core';
import { isOutputLayer } from '../layers/layer.js';
import type { Network } from '../network.js';
import type { Dataset } from '../data/dataset.js';
import { checkDataset } from '../data/check-data.js';
import { Rng } from '../init/rng.js';

/** CS231n's reading of the relative error |a - n| / max(|a|, |n|). */
export type GradientVerdict = 'excellent' | 'good' | 'suspicious' | 'wrong';

/** One checked entry of a parameter: the symbolic and numeric derivatives and their relative error. */
export interface GradientCheckEntry { param: string; index: number; analytic: number; numeric: number; relativeError: number }

/** What `gradientCheck` found: every checked entry, the largest relative error and its verdict. */
export interface GradientCheckResult {
  entries: GradientCheckEntry[];
  maxRelativeError: number;
  verdict: GradientVerdict;
  /** True unless the verdict is 'wrong'. */
  ok: boolean;
}

/** < 1e-7 excellent; < 1e-5 good; < 1e-3 suspicious (acceptable only with kinks such as ReLU or max); above, wrong. */
export function verdictOf(relativeError: number): GradientVerdict {
  return relativeError < 1e-7 ? 'excellent' : relativeError < 1e-5 ? 'good' : relativeError < 1e-3 ? 'suspicious' : 'wrong';
}

/** |a - n| / max(|a|, |n|), or 0 when both are below 1e-12. */
export function relativeError(a: number, n: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(n));
  return scale < 1e-12 ? 0 : Math.abs(a - n) / scale;
}

/** Options of `gradientCheck`: entries sampled per parameter, the difference step and the seed. */
export interface GradientCheckOptions {
  /** Entries sampled per parameter (default 8; CS231n: check a few dimensions, not all). */
  samples?: number;
  /** Step of the centred difference (default 1e-5, in float64). */
  h?: number;
  seed?: number;
}

/**
 * CS231n's gradient check: compare the symbolic gradient of the network's cost on `batch` with the
 * two-sided difference (f(w + h) - f(w - h)) / 2h, which is O(h^2) accurate where the one-sided one is
 * O(h). Both are computed in float64 on a copy of the graph (parameters and data replaced by float64
 * copies), so float32 rounding does not swamp the comparison; the network itself is not changed.
 * Check a network without dropout: fresh random masks on every evaluation make the differences meaningless.
 */
export async function checkGradients(net: Network, batch: Dataset, options: GradientCheckOptions = {}): Promise<GradientCheckResult> {
  const last = net.layers[net.layers.length - 1]!;
  if (!isOutputLayer(last)) throw new Error('checkGradients: the network has no output layer');
  checkDataset('checkGradients', 'batch', batch, net.layers);
  return checkCostGradients(last.cost(net.y), net.params, new Map<Variable, Variable>([
    [net.x, constant(batch.x.astype('float64'))],
    [net.y, constant(batch.y)],
  ]), options);
}

/** The same check for any scalar cost of shared parameters, with `replace` giving values to its inputs. */
export async function checkCostGradients(
  cost: Variable, params: readonly SharedVariable[], replace: ReadonlyMap<Variable, Variable> = new Map(), options: GradientCheckOptions = {},
): Promise<GradientCheckResult> {
  const h = options.h ?? 1e-5;
  const samples = options.samples ?? 8;
  const rng = new Rng(options.seed ?? 0);
  // getAsync: parameters trained on a GPU are read back.
  const p64 = await Promise.all(params.map(async (p) => shared((await p.getAsync({ borrow: true })).astype('float64'), { name: p.name ?? 'p' })));
  const map = new Map(replace);
  params.forEach((p, i) => map.set(p, p64[i]!));
  const [c64] = cloneGraph([cost], map);
  const grads = grad(c64!, p64);
  const f = await compile({ name: 'gradient_check', inputs: [], outputs: [c64!, ...grads], backend: 'reference' });
  const fc = await compile({ name: 'gradient_check_cost', inputs: [], outputs: c64!, backend: 'reference' });
  const [, ...analytic] = await f();
  const entries: GradientCheckEntry[] = [];
  for (const [k, p] of p64.entries()) {
    const base = p.get();
    const picks = new Set<number>();
    while (picks.size < Math.min(samples, base.size)) picks.add(Math.floor(rng.uniform() * base.size));
    for (const idx of picks) {
      const at = async (delta: number) => {
        const v = base.copy(); v.data[idx] = base.data[idx]! + delta; p.set(v);
        return (await fc()).item();
      };
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      p.set(base);
      const a = analytic[k]!.data[idx]!;
      entries.push({ param: `${k}:${params[k]!.name ?? 'p'}`, index: idx, analytic: a, numeric, relativeError: relativeError(a, numeric) });
    }
  }
  const maxRelativeError = Math.max(0, ...entries.map((e) => e.relativeError));
  const verdict = verdictOf(maxRelativeError);
  return { entries, maxRelativeError, verdict, ok: verdict !== 'wrong' };
}
