import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { EXPERIMENTS, buildNetwork } from './experiments.js';
import { plotSvg } from './plot.js';

describe('mnist-network3 experiments', () => {
  it("lists the book's chapter-6 experiments with its hyperparameters", () => {
    expect(Object.keys(EXPERIMENTS)).toEqual(['shallow', 'conv', 'conv2', 'relu', 'expanded', 'fc2', 'dropout', 'ensemble']);
    expect(EXPERIMENTS.shallow).toMatchObject({ epochs: 60, eta: 0.1, lmbda: 0, bookTestAccuracy: 97.8 });
    expect(EXPERIMENTS.dropout).toMatchObject({ epochs: 40, eta: 0.03, lmbda: 0.1, expanded: true });
    expect(EXPERIMENTS.ensemble!.members).toBe(5);
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
    const svg = plotSvg('t <1>', { epochs: [0, 1, 2], validationAccuracy: [0.9, 0.95, 0.96], cost: [0.5, 0.3, 0.2] });
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('t &lt;1&gt;');
    expect((svg.match(/<circle /g) ?? []).length).toBe(6);
  });
});
