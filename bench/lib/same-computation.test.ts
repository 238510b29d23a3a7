// The runners must time the same computation: from the same weights on the same mini-batches, the
// training cost after each SGD step agrees between Hypatia, TensorFlow.js, jax-js and, where python3
// imports torch, PyTorch (float32).
import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { initialParams, type NetKind } from './workloads.js';
import { loadBenchData } from './bench-data.js';
import { HypatiaRunner } from './hypatia-runner.js';
import { TfjsRunner } from './tfjs-runner.js';
import { JaxRunner } from './jax-runner.js';
import { PytorchRunner, torchVersion } from './pytorch-runner.js';
import type { Runner } from './runner.js';

// One warm-up step and one timed round of one step: two SGD steps, two costs.
const TWO_STEPS = { seconds: 0, warmup: 1, rounds: 1 };
const data = loadBenchData(100, 10);
const torchInstalled = torchVersion().version !== null;

async function costsOf(r: Runner, kind: NetKind): Promise<number[]> {
  const costs: number[] = [];
  await r.train(kind, 10, initialParams(kind), data, TWO_STEPS, costs);
  return costs.slice(0, 2);
}

describe('benchmark runners compute the same training step', () => {
  for (const [kind, tfjsBackend] of [['shallow', 'wasm'], ['conv', 'cpu']] as const) {
    it(`${kind} net: costs of the first two SGD steps match across Hypatia, tfjs-${tfjsBackend}, jax-js${torchInstalled ? ' and PyTorch' : ''}`, async () => {
      const ours = await costsOf(new HypatiaRunner('hypatia-reference', 'reference'), kind);
      const tf = await costsOf(new TfjsRunner(tfjsBackend), kind);
      const jax = await costsOf(new JaxRunner(), kind);
      const torch = torchInstalled ? [await costsOf(new PytorchRunner([1]), kind)] : [];
      expect(ours).toHaveLength(2);
      // The softmax layer starts at zero, so the first cost is ln 10; the second depends on every gradient.
      expect(ours[0]).toBeCloseTo(Math.log(10), 5);
      expect(ours[1]).not.toBeCloseTo(ours[0]!, 3);
      for (const peer of [tf, jax, ...torch]) {
        expect(peer).toHaveLength(2);
        peer.forEach((c, i) => expect(Math.abs(c - ours[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ours[i]!))));
      }
    }, 60_000);
  }
});
