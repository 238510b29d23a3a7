// The LSTM training step (sequence 64, batch 32, hidden 256, 64 features and classes: forward,
// cross-entropy over every step, backward, SGD) on Hypatia's native and wasm backends against
// PyTorch's nn.LSTM on the CPU, each on 1 and 2 threads (native's and wasm's `threads` option,
// torch.set_num_threads), the same weights and data.
// `npx tsx bench/lstm.ts [--quick] [--json]`; with --json the last line is one JSON object.
import { parseArgs } from 'node:util';
import '@hypatia/backends';
import { compileLstmStep, LSTM_SHAPE, lstmProblem, torchLstm, type LstmShape } from './lib/lstm-step.js';
import { FULL_BUDGET, measureRate, QUICK_BUDGET } from './lib/timing.js';

interface Row { runner: string; threads: number | null; stepsPerSecond: number | null; firstCost: number | null; note?: string }

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2).filter((a, k) => !(k === 0 && a === '--')), options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
  const shape: LstmShape = values.quick ? { T: 8, B: 4, nIn: 8, H: 16, V: 8 } : LSTM_SHAPE;
  const budget = values.quick ? QUICK_BUDGET : { ...FULL_BUDGET, seconds: 6, rounds: 3 };
  const problem = lstmProblem(shape);
  const log = values.json ? () => {} : (s: string) => console.log(s);
  log(`LSTM training step: T ${shape.T}, batch ${shape.B}, nIn ${shape.nIn}, hidden ${shape.H}, classes ${shape.V}`);
  const rows: Row[] = [];
  for (const backend of ['native', 'wasm']) {
    // One thread first: wasm's worker pool is process-wide once a compile starts it.
    for (const threads of [1, 2]) {
      try {
        const step = await compileLstmStep(problem, backend, { threads });
        const first = (await step(problem.x, problem.y)).item();
        const rate = await measureRate(budget, 1, () => step(problem.x, problem.y));
        rows.push({ runner: backend, threads, stepsPerSecond: rate, firstCost: first });
      } catch (e) {
        rows.push({ runner: backend, threads: null, stepsPerSecond: null, firstCost: null, note: (e as Error).message.split('\n')[0] });
      }
      log(JSON.stringify(rows.at(-1)));
    }
  }
  const torch = torchLstm(problem, budget, [1, 2]);
  if ('error' in torch) rows.push({ runner: 'pytorch', threads: null, stepsPerSecond: null, firstCost: null, note: torch.error });
  else for (const [t, r] of Object.entries(torch.rates)) rows.push({ runner: 'pytorch', threads: Number(t), stepsPerSecond: r, firstCost: torch.firstCosts[0] });
  const best = (runner: string) => {
    const rs = rows.filter((r) => r.runner === runner && r.stepsPerSecond !== null);
    return rs.length ? rs.reduce((a, b) => (b.stepsPerSecond! > a.stepsPerSecond! ? b : a)) : null;
  };
  const summary = Object.fromEntries(['native', 'wasm', 'pytorch'].map((r) => {
    const b = best(r);
    return [r, b ? { stepsPerSecond: b.stepsPerSecond, sequencesPerSecond: b.stepsPerSecond! * shape.B, threads: b.threads } : null];
  }));
  const torchBest = best('pytorch')?.stepsPerSecond;
  for (const r of rows) {
    const vs = r.stepsPerSecond && torchBest ? ` (${(r.stepsPerSecond / torchBest).toFixed(2)}x pytorch's best)` : '';
    log(`${r.runner.padEnd(8)} ${String(r.threads ?? '-').padStart(2)} thread(s): ${r.stepsPerSecond === null ? `null (${r.note})` : `${r.stepsPerSecond.toFixed(2)} steps/s, ${(r.stepsPerSecond * shape.B).toFixed(1)} sequences/s${vs}`}${r.firstCost === null ? '' : `, first cost ${r.firstCost.toFixed(6)}`}`);
  }
  if (values.json) console.log(JSON.stringify({ shape, budget, rows, best: summary }));
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
