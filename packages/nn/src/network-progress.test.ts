import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { FullyConnectedLayer, Network, SoftmaxLayer } from '@hypatia/nn';

describe('Network.sgd progress', () => {
  it('numbers each epoch\'s progress bar as its EpochReport (from 0, as network3 prints "Epoch 0")', async () => {
    const x = NDArray.zeros('float32', [20, 6]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i);
    const y = NDArray.from(Array.from({ length: 20 }, (_, i) => i % 3), 'int32');
    const net = new Network([new FullyConnectedLayer({ nIn: 6, nOut: 4, seed: 1 }), new SoftmaxLayer({ nIn: 4, nOut: 3 })], 5);
    let out = '';
    const seen: { bar: string; reported: number }[] = [];
    await net.sgd({ x, y }, 3, 5, 0.1, { x, y }, null, {
      backend: 'reference',
      progress: { write: (s: string) => { out += s; }, columns: 200 },
      // The bar is finished before the epoch is reported (the mnist example logs `epoch ${r.epoch}: ...` here).
      onEpoch: (r) => { seen.push({ bar: out.split('\n').at(-2)!.split('\r').at(-1)!, reported: r.epoch }); },
    });
    expect(seen.map((s) => s.reported)).toEqual([0, 1, 2]);
    expect(seen.map((s) => Number(s.bar.match(/^epoch (\d+) /)![1]))).toEqual([0, 1, 2]);
    expect(seen[2]!.bar).toMatch(/^epoch 2 \(3 of 3\) \[#+\] 100% 4\/4/);
  });
});
