import type { NDArray } from '@hypatia/core';
import { Network } from '../network.js';
import type { Layer, LayerConfig } from '../layers/layer.js';
import { FullyConnectedLayer } from '../layers/fully-connected.js';
import { SoftmaxLayer } from '../layers/softmax-layer.js';
import { ConvPoolLayer } from '../layers/conv-pool.js';
import { DropoutLayer } from '../layers/dropout-layer.js';
import { SigmoidOutputLayer } from '../layers/sigmoid-output-layer.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { namedParams } from './param-names.js';

export { namedParams };

/** The JSON saved beside the weights: enough to rebuild the network's graph. */
export interface NetworkArchitecture {
  format: 'hypatia-network';
  version: 1;
  miniBatchSize: number;
  layers: LayerConfig[];
}

const layerTypes = new Map<string, (c: LayerConfig) => Layer>([
  ['FullyConnectedLayer', FullyConnectedLayer.fromConfig],
  ['SoftmaxLayer', SoftmaxLayer.fromConfig],
  ['ConvPoolLayer', ConvPoolLayer.fromConfig],
  ['DropoutLayer', DropoutLayer.fromConfig],
  ['SigmoidOutputLayer', SigmoidOutputLayer.fromConfig],
]);

/** Make a layer type of your own loadable: `type` is what its config() returns as `type`. */
export function registerLayerType(type: string, fromConfig: (c: LayerConfig) => Layer): void {
  layerTypes.set(type, fromConfig);
}

/** The network's architecture as saved beside its weights: each layer's config and the mini-batch size. */
export function architectureOf(net: Network): NetworkArchitecture {
  return {
    format: 'hypatia-network', version: 1, miniBatchSize: net.miniBatchSize,
    layers: net.layers.map((l, i) => {
      if (!l.config) throw new Error(`cannot save: layer ${i} has no config() to describe it`);
      return l.config();
    }),
  };
}

/** The weights as safetensors bytes; parameters that live on a GPU are read back first. */
export async function encodeWeights(net: Network): Promise<Uint8Array> {
  const named = [...namedParams(net)];
  const values = await Promise.all(named.map(([, p]) => p.getAsync({ borrow: true })));
  return encodeSafetensors(new Map(named.map(([name], i) => [name, values[i]!])), { format: 'hypatia-network' });
}

/**
 * Load saved weights into `net`. Every tensor is checked (present, expected shape and dtype, none
 * extra) before any parameter changes, so a bad file leaves the network as it was. Parameters that
 * live on a GPU are replaced without being read back; the next call on any backend uses the new values.
 */
export function loadWeightsInto(net: Network, bytes: Uint8Array): void {
  const { tensors } = decodeSafetensors(bytes);
  const params = namedParams(net);
  const plan: [Network['params'][number], NDArray][] = [];
  for (const [name, p] of params) {
    const t = tensors.get(name);
    const want = { dtype: p.dtype, shape: p.valueShape };
    if (!t) throw new Error(`weights do not fit the network: tensor '${name}' (${want.dtype}[${want.shape.join(', ')}]) is missing`);
    if (t.dtype !== want.dtype || t.shape.length !== want.shape.length || t.shape.some((d, i) => d !== want.shape[i])) {
      throw new Error(`weights do not fit the network: '${name}' is ${t.dtype}[${t.shape.join(', ')}] in the file but ${want.dtype}[${want.shape.join(', ')}] in the network`);
    }
    plan.push([p, t]);
  }
  const extra = [...tensors.keys()].filter((k) => !params.has(k));
  if (extra.length) throw new Error(`weights do not fit the network: the file has tensors the network lacks: ${extra.join(', ')}`);
  for (const [p, t] of plan) p.set(t);
}

/** A saved architecture from its JSON, checked (format, version, layers); errors say what is wrong. */
export function parseArchitecture(json: string): NetworkArchitecture {
  let a: NetworkArchitecture;
  try {
    a = JSON.parse(json);
  } catch (e) {
    throw new Error(`network architecture: not valid JSON (${(e as Error).message})`);
  }
  if (a?.format !== 'hypatia-network' || a.version !== 1 || !Array.isArray(a.layers)) {
    throw new Error('network architecture: not a hypatia-network description of version 1');
  }
  return a;
}

/** A new network from a saved architecture and weights. */
export function networkFromSaved(architecture: NetworkArchitecture, weights: Uint8Array): Network {
  const layers = architecture.layers.map((c, i) => {
    const make = layerTypes.get(c.type);
    if (!make) throw new Error(`network architecture: layer ${i} has unknown type '${c.type}' (registerLayerType adds one)`);
    return make(c);
  });
  const net = new Network(layers, architecture.miniBatchSize);
  loadWeightsInto(net, weights);
  return net;
}
