// The `lstm` row of `pnpm bench`: bench/lstm.ts's training step (sequence 64, batch 32, hidden 256)
// in sequences per second for native, wasm and PyTorch (best of 1 and 2 threads); a --quick run
// times a tiny shape, where the reference backend runs too. Runners without an LSTM step are null
// with a note.
import { compileLstmStep, LSTM_SHAPE, lstmProblem, torchLstm } from './lstm-step.js';
import { measureRate, type Budget } from './timing.js';
import type { Row } from './table.js';

type Attempt = (key: string, workload: string, f: () => Promise<number | null>) => Promise<number | null>;

export async function lstmRow(row: Row, keys: readonly string[], quick: boolean, budget: Budget, threads: number, notes: string[], attempt: Attempt): Promise<Row> {
  const shape = quick ? { T: 8, B: 4, nIn: 8, H: 16, V: 8 } : LSTM_SHAPE;
  const problem = lstmProblem(shape);
  const backends: Record<string, [string, Record<string, unknown> | undefined]> = {
    hypatia: ['native', { threads }], 'hypatia-wasm': ['wasm', undefined], 'hypatia-reference': ['reference', undefined],
  };
  for (const key of keys) {
    const w = row.workload;
    if (key === 'hypatia-reference' && !quick) { notes.push(`${key} ${w}: not run (the plain-JS products take seconds a step at this shape)`); continue; }
    if (backends[key]) {
      const [backend, options] = backends[key]!;
      row[key] = await attempt(key, w, async () => {
        const step = await compileLstmStep(problem, backend, options);
        return measureRate(budget, shape.B, () => step(problem.x, problem.y));
      });
    } else if (key === 'pytorch') {
      row[key] = await attempt(key, w, async () => {
        const t = torchLstm(problem, budget, [1, 2]);
        if ('error' in t) throw new Error(t.error);
        return Math.max(...Object.values(t.rates)) * shape.B;
      });
    } else if (key.startsWith('hypatia-webgpu')) {
      notes.push(`${key} ${w}: not run (an emulated GPU; the row compares CPU runners)`);
    } else {
      notes.push(`${key} ${w}: no LSTM step is written for this runner (bench/lstm.ts compares native, wasm and PyTorch)`);
    }
  }
  notes.push(`lstm: ${quick ? 'a tiny shape (smoke run)' : 'sequence 64, batch 32, 64 inputs, hidden 256, 64 classes'}; ex/s = sequences per second (bench/lstm.ts, docs/benchmarks.md)`);
  return row;
}
