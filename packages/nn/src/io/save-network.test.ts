import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer, relu, encodeSafetensors } from '@hypatia/nn';
import { loadNetwork, loadWeights, saveNetwork } from '@hypatia/nn/node';

function inputs(n: number): NDArray {
  const x = NDArray.zeros('float32', [n, 64]);
  for (let i = 0; i < x.size; i++) x.data[i] = (Math.sin(i * 1.7) + 1) / 2;
  return x;
}

function makeNet(seed: number): Network {
  return new Network([
    new ConvPoolLayer({ filterShape: [3, 1, 3, 3], imageShape: [5, 1, 8, 8], activation: relu, seed }),
    new FullyConnectedLayer({ nIn: 3 * 3 * 3, nOut: 7, pDropout: 0.2, seed: seed + 1 }),
    new SoftmaxLayer({ nIn: 7, nOut: 4, seed: seed + 2 }),
  ], 5);
}

const dir = mkdtempSync(join(tmpdir(), 'hypatia-save-'));

describe('saving and loading networks', () => {
  it('round-trips architecture and weights: the loaded network predicts the same classes', async () => {
    const net = makeNet(11);
    // Give the softmax layer non-zero weights so the predictions depend on every layer.
    const sm = net.layers[2] as SoftmaxLayer;
    const w = NDArray.zeros('float32', [7, 4]);
    for (let i = 0; i < w.size; i++) w.data[i] = Math.cos(i);
    sm.w.set(w);
    const paths = await saveNetwork(net, join(dir, 'net'));
    expect(JSON.parse(readFileSync(paths.architecture, 'utf8')).layers.map((l: { type: string }) => l.type)).toEqual(['ConvPoolLayer', 'FullyConnectedLayer', 'SoftmaxLayer']);
    const loaded = loadNetwork(join(dir, 'net'));
    const x = inputs(12);
    const a = await net.predict(x, { backend: 'reference' });
    const b = await loaded.predict(x, { backend: 'reference' });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(new Set(a.data).size).toBeGreaterThan(1);
    expect(Array.from((loaded.layers[2] as SoftmaxLayer).w.get().data)).toEqual(Array.from(w.data));
  });

  it('creates the folders a save path names', async () => {
    const base = join(dir, 'results', 'nested', 'net');
    const paths = await saveNetwork(makeNet(3), base);
    expect([existsSync(paths.architecture), existsSync(paths.weights)]).toEqual([true, true]);
    expect(loadNetwork(base).layers.length).toBe(3);
  });

  it('refuses a truncated file and changes nothing', async () => {
    const net = makeNet(11);
    await saveNetwork(net, join(dir, 'good'));
    const bytes = readFileSync(join(dir, 'good.safetensors'));
    writeFileSync(join(dir, 'short.safetensors'), bytes.subarray(0, bytes.length - 10));
    const target = makeNet(99);
    const before = target.params.map((p) => Array.from(p.get().data));
    expect(() => loadWeights(target, join(dir, 'short'))).toThrow(/short\.safetensors: safetensors: truncated/);
    expect(target.params.map((p) => Array.from(p.get().data))).toEqual(before);
  });

  it('refuses weights of another architecture and changes nothing', async () => {
    const other = new Network([new FullyConnectedLayer({ nIn: 64, nOut: 7, seed: 1 }), new SoftmaxLayer({ nIn: 7, nOut: 4 })], 5);
    await saveNetwork(other, join(dir, 'other'));
    const target = makeNet(5);
    const before = target.params.map((p) => Array.from(p.get().data));
    expect(() => loadWeights(target, join(dir, 'other'))).toThrow(/'layers\.0\.w' is float32\[64, 7\] in the file but float32\[3, 1, 3, 3\] in the network/);
    expect(target.params.map((p) => Array.from(p.get().data))).toEqual(before);
    // A file with a missing tensor: the first layers fit, the last does not; still nothing changes.
    const partial = new Map([...makeNet(1).params.entries()].slice(0, 4).map(([k, p]) => [['layers.0.w', 'layers.0.b', 'layers.1.w', 'layers.1.b'][k]!, p.get()]));
    writeFileSync(join(dir, 'partial.safetensors'), encodeSafetensors(partial));
    expect(() => loadWeights(target, join(dir, 'partial'))).toThrow(/tensor 'layers\.2\.w' \(float32\[7, 4\]\) is missing/);
    expect(target.params.map((p) => Array.from(p.get().data))).toEqual(before);
  });

  it('names missing files and bad architecture files', async () => {
    expect(() => loadNetwork(join(dir, 'nothing'))).toThrow(/nothing\.json is missing/);
    await saveNetwork(makeNet(2), join(dir, 'arch'));
    writeFileSync(join(dir, 'arch.json'), '{"format": "something else"}');
    expect(() => loadNetwork(join(dir, 'arch'))).toThrow(/not a hypatia-network description/);
  });
});
