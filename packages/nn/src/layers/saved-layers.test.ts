import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { architectureOf, encodeWeights, networkFromSaved, FullyConnectedLayer, Network, DropoutLayer, SigmoidOutputLayer } from '@hypatia/nn';

describe('saving networks with the techniques\' layers', () => {
  it('round-trips a DropoutLayer and a SigmoidOutputLayer through architecture and weights', async () => {
    const net = new Network([
      new FullyConnectedLayer({ nIn: 4, nOut: 3, seed: 1 }), new DropoutLayer({ keep: 0.7, mode: 'network3', seed: 2 }),
      new SigmoidOutputLayer({ nIn: 3, nOut: 2, cost: 'quadratic', pDropout: 0.25, seed: 3 }),
    ], 5);
    const back = networkFromSaved(JSON.parse(JSON.stringify(architectureOf(net))), await encodeWeights(net));
    const d = back.layers[1] as DropoutLayer;
    expect([d.keep, d.mode]).toEqual([0.7, 'network3']);
    expect([(back.layers[2] as SigmoidOutputLayer).costKind, (back.layers[2] as SigmoidOutputLayer).pDropout]).toEqual(['quadratic', 0.25]);
    expect([...(back.layers[2] as SigmoidOutputLayer).w.get().data]).toEqual([...(net.layers[2] as SigmoidOutputLayer).w.get().data]);
  });
});
