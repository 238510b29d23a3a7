import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { EXPERIMENTS, buildNetwork } from './experiments.js';
import { plotSvg, runSeries } from './plot.js';

describe('mnist-network3 experiments', () => {
  it("lists the book's chapter-6 experiments with its hyperparameters", () => {
    expect(Object.keys(EXPERIMENTS)).toEqual(['shallow', 'conv', 'conv2', 'relu', 'expanded', 'fc2', 'dropout', 'ensemble']);
    expect(EXPERIMENTS.shallow).toMatchObject({ epochs: 60, eta: 0.1, lmbda: 0, bookTestAccuracy: 97.8 });
    // Chapter 6's listings: net.SGD(data, epochs, mini_batch_size, eta, validation_data, test_data[, lmbda]).
    const book = {
      shallow: { epochs: 60, eta: 0.1, lmbda: 0, expanded: false, members: 1 },
      conv: { epochs: 60, eta: 0.1, lmbda: 0, expanded: false, members: 1 },
      conv2: { epochs: 60, eta: 0.1, lmbda: 0, expanded: false, members: 1 },
      relu: { epochs: 60, eta: 0.03, lmbda: 0.1, expanded: false, members: 1 },
      expanded: { epochs: 60, eta: 0.03, lmbda: 0.1, expanded: true, members: 1 },
      fc2: { epochs: 60, eta: 0.03, lmbda: 0.1, expanded: true, members: 1 },
      dropout: { epochs: 40, eta: 0.03, lmbda: 0, expanded: true, members: 1 },
      ensemble: { epochs: 40, eta: 0.03, lmbda: 0, expanded: true, members: 5 },
    };
    for (const [name, row] of Object.entries(book)) expect(EXPERIMENTS[name], name).toMatchObject(row);
  });

  it("builds the book's layers for every experiment", () => {
    const c1 = (activation: string) => ({ type: 'ConvPoolLayer', imageShape: [10, 1, 28, 28], filterShape: [20, 1, 5, 5], poolSize: [2, 2], activation });
    const c2 = (activation: string) => ({ type: 'ConvPoolLayer', imageShape: [10, 20, 12, 12], filterShape: [40, 20, 5, 5], poolSize: [2, 2], activation });
    const fc = (nIn: number, nOut: number, activation: string, pDropout = 0) => ({ type: 'FullyConnectedLayer', nIn, nOut, activation, pDropout });
    const sm = (nIn: number, pDropout = 0) => ({ type: 'SoftmaxLayer', nIn, nOut: 10, pDropout });
    const reluNet = [c1('relu'), c2('relu'), fc(640, 100, 'relu'), sm(100)];
    const dropoutNet = [c1('relu'), c2('relu'), fc(640, 1000, 'relu', 0.5), fc(1000, 1000, 'relu', 0.5), sm(1000, 0.5)];
    const book: Record<string, object[]> = {
      shallow: [fc(784, 100, 'sigmoid'), sm(100)],
      conv: [c1('sigmoid'), fc(20 * 12 * 12, 100, 'sigmoid'), sm(100)],
      conv2: [c1('sigmoid'), c2('sigmoid'), fc(40 * 4 * 4, 100, 'sigmoid'), sm(100)],
      relu: reluNet,
      expanded: reluNet,
      fc2: [c1('relu'), c2('relu'), fc(640, 100, 'relu'), fc(100, 100, 'relu'), sm(100)],
      dropout: dropoutNet,
      ensemble: dropoutNet,
    };
    for (const [name, layers] of Object.entries(book)) {
      const built = buildNetwork(EXPERIMENTS[name]!, 10, 1).layers.map((l) => l.config!());
      expect(built.length, name).toBe(layers.length);
      built.forEach((c, i) => expect(c, `${name} layer ${i}`).toMatchObject(layers[i]!));
    }
  });

  it('builds every network, and each maps MNIST-sized images to classes', async () => {
    const x = NDArray.zeros('float32', [2, 784]);
    for (let i = 0; i < x.size; i++) x.data[i] = (i % 13) / 13;
    for (const e of Object.values(EXPERIMENTS)) {
      const net = buildNetwork(e, 10, 1);
      const p = await net.predict(x, { backend: 'reference' });
      expect(p.shape, e.name).toEqual([2]);
      expect(p.data.every((c) => c >= 0 && c < 10), e.name).toBe(true);
    }
  });

  it('plots accuracy and cost as SVG', () => {
    const svg = plotSvg('t <1>', runSeries([[
      { epoch: 0, validationAccuracy: 0.9, cost: 0.5 }, { epoch: 1, validationAccuracy: 0.95, cost: 0.3 }, { epoch: 2, validationAccuracy: 0.96, cost: 0.2 },
    ]]));
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('t &lt;1&gt;');
    expect((svg.match(/<circle /g) ?? []).length).toBe(6);
    expect(svg).toContain('>validation accuracy</text>');
    expect(svg).toContain('>training cost</text>');
  });

  it("plots every ensemble member's validation curve and the members' mean cost", () => {
    const member = (acc: number[], cost: number[]) => acc.map((a, epoch) => ({ epoch, validationAccuracy: a, cost: cost[epoch]! }));
    const series = runSeries([member([0.9, 0.95], [0.4, 0.2]), member([0.92, 0.96], [0.6, 0.4])]);
    expect(series.validation.map((v) => v.accuracy)).toEqual([[0.9, 0.95], [0.92, 0.96]]);
    expect(series.cost.values).toEqual([0.5, 0.30000000000000004]);
    const svg = plotSvg('ensemble', series);
    expect((svg.match(/<path /g) ?? []).length).toBe(3);
    expect(svg).toContain('>net 1: validation accuracy</text>');
    expect(svg).toContain('>net 2: validation accuracy</text>');
    expect(svg).toContain('>mean training cost (2 nets)</text>');
  });
});
