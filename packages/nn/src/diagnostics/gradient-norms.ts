import { compile, constant, grad, type Backend, type Variable } from '@hypatia/core';
import { add, sqrt, square, sum } from '@hypatia/ops';
import { isOutputLayer } from '../layers/layer.js';
import type { Network } from '../network.js';
import type { Dataset } from '../data/dataset.js';
import { checkDataset } from '../data/check-data.js';

/** The norms of one layer's weight and bias gradients. */
export interface LayerGradientNorm { layer: number; weights: number; biases: number }

/**
 * Nielsen ch. 5: the norm of each layer's gradient on a batch. In a deep sigmoid net the early layers'
 * norms are far smaller than the later ones' (the vanishing gradient); Nielsen measures ||dC/db|| per
 * layer, reported here as `biases`, beside the weights' norm. Layers without parameters are skipped.
 */
export async function gradientNorms(net: Network, batch: Dataset, options: { backend?: string | Backend } = {}): Promise<LayerGradientNorm[]> {
  const last = net.layers[net.layers.length - 1]!;
  if (!isOutputLayer(last)) throw new Error('gradientNorms: the network has no output layer');
  checkDataset('gradientNorms', 'batch', batch, net.layers);
  const cost = last.cost(net.y);
  const withParams = net.layers.map((l, i) => ({ i, w: l.weights, rest: l.params.filter((p) => !l.weights.includes(p)) })).filter((l) => l.w.length || l.rest.length);
  const norm = (vs: readonly Variable[]): Variable => sqrt(vs.map((g) => sum(square(g))).reduce((a, b) => add(a, b), constant(0, cost.dtype) as Variable));
  const outputs = withParams.flatMap((l) => [norm(l.w.length ? grad(cost, [...l.w]) : []), norm(l.rest.length ? grad(cost, l.rest) : [])]);
  const f = await compile({ name: 'gradient_norms', inputs: [], outputs, backend: options.backend ?? 'cpu', givens: [[net.x, batch.x], [net.y, batch.y]] });
  const vals = await f();
  return withParams.map((l, k) => ({ layer: l.i, weights: vals[2 * k]!.item(), biases: vals[2 * k + 1]!.item() }));
}
