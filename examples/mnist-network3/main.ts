// Nielsen's chapter-6 experiments (network3.py) on Hypatia: `pnpm mnist -- --experiment shallow`.
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@hypatia/backends';
import { NDArray } from '@hypatia/core';
import { expandMnist, type EpochReport, type TrainingHistory } from '@hypatia/nn';
import { loadMnist } from '@hypatia/nn/node';
import { EXPERIMENTS, buildNetwork } from './experiments.js';
import { observedBackend } from './observed-backend.js';
import { announceNativeBuilds } from './compile-notice.js';
import { plotSvg } from './plot.js';

const USAGE = `usage: pnpm mnist -- [--experiment ${Object.keys(EXPERIMENTS).join('|')}] [--epochs N] [--eta X] [--lmbda X]
       [--backend NAME] [--limit N] [--seed N] [--json] [--progress|--no-progress] [--out DIR]`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
  const { values } = parseArgs({
    args: argv,
    options: {
      experiment: { type: 'string', default: 'shallow' },
      epochs: { type: 'string' }, eta: { type: 'string' }, lmbda: { type: 'string' },
      backend: { type: 'string', default: 'cpu' }, limit: { type: 'string' }, seed: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false }, progress: { type: 'boolean' }, 'no-progress': { type: 'boolean' },
      out: { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) { console.log(USAGE); return; }
  const exp = EXPERIMENTS[values.experiment!];
  if (!exp) throw new Error(`unknown experiment '${values.experiment}'\n${USAGE}`);
  const num = (v: string | undefined, name: string, fallback: number) => {
    if (v === undefined) return fallback;
    const x = Number(v);
    if (!Number.isFinite(x)) throw new Error(`--${name} must be a number, got '${v}'`);
    return x;
  };
  const epochs = num(values.epochs, 'epochs', exp.epochs);
  const eta = num(values.eta, 'eta', exp.eta);
  const lmbda = num(values.lmbda, 'lmbda', exp.lmbda);
  const limit = values.limit === undefined ? undefined : num(values.limit, 'limit', 0);
  const seed = num(values.seed, 'seed', 1);
  const backend = values.backend!;
  // What really ran names the results: 'cpu' runs 'reference' when no C compiler works.
  const observed = await observedBackend(backend);
  const miniBatchSize = 10;
  const log = (s: string) => { if (!values.json) console.log(s); else console.error(s); };

  const data = loadMnist({ limit });
  const training = exp.expanded ? expandMnist(data.training) : data.training;
  log(`${exp.name}: ${exp.description}; ${training.y.size} training images, ${epochs} epochs, eta ${eta}, lambda ${lmbda}, mini-batch ${miniBatchSize}, backend ${backend}`);

  const stopNotice = announceNativeBuilds(log);
  const started = performance.now();
  const reports: EpochReport[][] = [];
  let trainSeconds = 0;
  let trainExamples = 0;
  const votes: NDArray[] = [];
  let best = 0;
  let single: TrainingHistory | null = null;
  for (let m = 0; m < exp.members; m++) {
    const net = buildNetwork(exp, miniBatchSize, seed + 100 * m);
    const mine: EpochReport[] = [];
    const history = await net.sgd(training, epochs, miniBatchSize, eta, data.validation, data.test, {
      lmbda, backend: observed.backend,
      progress: values['no-progress'] ? false : values.progress ? true : undefined,
      onEpoch: (r) => {
        mine.push(r);
        log(`${exp.members > 1 ? `net ${m + 1}/${exp.members} ` : ''}epoch ${r.epoch}: validation accuracy ${pct(r.validationAccuracy)}, best ${pct(r.bestValidationAccuracy)} (test there ${pct(r.testAccuracy)}), cost ${r.cost.toFixed(4)}, ${Math.round(r.examplesPerSecond)} examples/s`);
      },
    });
    reports.push(mine);
    trainSeconds += history.epochs.reduce((s, r) => s + r.seconds, 0);
    trainExamples += history.trainExamplesPerSec * history.epochs.reduce((s, r) => s + r.seconds, 0);
    best = Math.max(best, history.bestValidationAccuracy ?? 0);
    if (exp.members > 1) votes.push(await net.predict(data.test.x, { backend: observed.backend }));
    else single = history;
  }

  stopNotice();
  const ran = observed.ran();
  let testAccuracy: number;
  let bestValidationAccuracy: number;
  if (exp.members > 1) {
    testAccuracy = majorityAccuracy(votes, data.test.y);
    bestValidationAccuracy = best;
    log(`ensemble of ${exp.members}: test accuracy ${pct(testAccuracy)} by majority vote`);
  } else {
    testAccuracy = single!.testAccuracy ?? NaN;
    bestValidationAccuracy = single!.bestValidationAccuracy ?? NaN;
  }
  const seconds = (performance.now() - started) / 1000;
  const result = {
    experiment: exp.name, backend: ran, epochs, seconds: round(seconds, 2), trainExamplesPerSec: Math.round(trainExamples / Math.max(trainSeconds, 1e-9)),
    bestValidationAccuracy: round(bestValidationAccuracy, 6), testAccuracy: round(testAccuracy, 6),
  };

  const outDir = values.out ?? join(fileURLToPath(new URL('../..', import.meta.url)), 'results');
  mkdirSync(outDir, { recursive: true });
  const stem = join(outDir, `${exp.name}-${ran}-${epochs}ep${limit ? `-limit${limit}` : ''}`);
  const first = reports[0]!;
  writeFileSync(`${stem}.svg`, plotSvg(`${exp.name} (${ran}): book ${exp.bookTestAccuracy}% after ${exp.epochs} epochs`, {
    epochs: first.map((r) => r.epoch), validationAccuracy: first.map((r) => r.validationAccuracy), cost: first.map((r) => r.cost),
  }));
  writeFileSync(`${stem}.json`, JSON.stringify({ ...result, eta, lmbda, limit: limit ?? null, seed, bookTestAccuracy: exp.bookTestAccuracy, epochReports: reports }, null, 2));
  log(`best validation accuracy ${pct(bestValidationAccuracy)}, test accuracy ${pct(testAccuracy)} (book: ${exp.bookTestAccuracy}% after ${exp.epochs} epochs); ${seconds.toFixed(1)} s; wrote ${stem}.svg and .json`);
  if (values.json) console.log(JSON.stringify(result));
}

function majorityAccuracy(votes: NDArray[], y: NDArray): number {
  let correct = 0;
  for (let i = 0; i < y.size; i++) {
    const counts = new Map<number, number>();
    for (const v of votes) counts.set(v.data[i]!, (counts.get(v.data[i]!) ?? 0) + 1);
    let bestClass = -1, bestCount = 0;
    for (const [c, k] of counts) if (k > bestCount) { bestClass = c; bestCount = k; }
    if (bestClass === y.data[i]) correct++;
  }
  return correct / y.size;
}

const pct = (a: number | null) => (a === null || Number.isNaN(a) ? 'n/a' : `${(a * 100).toFixed(2)}%`);
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
