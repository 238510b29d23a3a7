import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { compileLstmStep, lstmProblem, torchLstm } from './lstm-step.js';
import { torchVersion } from './pytorch-runner.js';

const torchInstalled = torchVersion().version !== null;

describe('the LSTM benchmark step', () => {
  it(`computes the same two SGD steps on reference, native and wasm${torchInstalled ? ' as PyTorch\'s nn.LSTM' : ''}`, async () => {
    const problem = lstmProblem({ T: 5, B: 3, nIn: 4, H: 6, V: 5 }, 3);
    const costs: number[][] = [];
    for (const backend of ['reference', 'native', 'wasm']) {
      const step = await compileLstmStep(problem, backend);
      costs.push([(await step(problem.x, problem.y)).item(), (await step(problem.x, problem.y)).item()]);
    }
    if (torchInstalled) {
      const torch = torchLstm(problem, { seconds: 0.01, warmup: 2, rounds: 1 }, [1]);
      if ('error' in torch) throw new Error(torch.error);
      costs.push(torch.firstCosts);
    }
    const [want] = costs;
    expect(want![1]).toBeLessThan(want![0]!);
    for (const got of costs.slice(1)) got.forEach((c, i) => expect(c).toBeCloseTo(want![i]!, 5));
  });
});
