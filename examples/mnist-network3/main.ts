// Nielsen's chapter-6 experiments (network3.py) on Hypatia: `pnpm mnist -- --experiment shallow`.
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@hypatia/backends';
import { NDArray } from '@hypatia/core';
import { expandMnist, majorityVote, type EpochReport, type TrainingHistory } from '@hypatia/nn';
import { hasCheckpoint, loadMnist, readCheckpointSummary } from '@hypatia/nn/node';
import { EXPERIMENTS, buildNetwork } from './experiments.js';
import { observedBackend } from './observed-backend.js';
import { announceNativeBuilds } from './compile-notice.js';
import { plotSvg, runSeries } from './plot.js';

const USAGE = `usage: pnpm mnist -- [--experiment ${Object.keys(EXPERIMENTS).join('|')}] [--epochs N] [--eta X] [--lmbda X]
       [--backend NAME] [--limit N] [--seed N] [--json] [--progress|--no-progress] [--out DIR]
       [--checkpoint DIR | --resume DIR] [--member K]
  --checkpoint DIR  save a checkpoint after every epoch (the ensemble: one per network, in DIR/member-1 ...)
  --resume DIR      continue the run checkpointed in DIR; it ends as the uninterrupted run would
  --member K        ensemble only: train network K alone into DIR/member-K (one process per member can
                    run side by side); a later --resume DIR without --member finds them trained and votes`;

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
      checkpoint: { type: 'string' }, resume: { type: 'string' }, member: { type: 'string' },
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
  // What really ran names the results: 'cpu' runs 'wasm' when no C compiler works.
  const observed = await observedBackend(backend);
  const miniBatchSize = 10;
  const log = (s: string) => { if (!values.json) console.log(s); else console.error(s); };

  if (values.checkpoint && values.resume && values.checkpoint !== values.resume) throw new Error(`--checkpoint ${values.checkpoint} and --resume ${values.resume} name different folders; --resume alone continues a run and keeps checkpointing in its folder`);
  const checkpointDir = values.resume ?? values.checkpoint;
  const memberDir = (m: number) => (exp.members > 1 ? join(checkpointDir!, `member-${m + 1}`) : checkpointDir!);
  const onlyMember = values.member === undefined ? undefined : num(values.member, 'member', 0);
  if (onlyMember !== undefined) {
    if (exp.members === 1) throw new Error(`--member ${values.member}: ${exp.name} trains one network; --member picks one network of an ensemble`);
    if (!Number.isInteger(onlyMember) || onlyMember < 1 || onlyMember > exp.members) throw new Error(`--member must be a whole number from 1 to ${exp.members} (${exp.name} has ${exp.members} networks), got '${values.member}'`);
    if (!checkpointDir) throw new Error(`--member ${onlyMember} needs --checkpoint DIR or --resume DIR: the trained network is kept only in DIR/member-${onlyMember}, where the vote finds it`);
  }
  if (values.resume && onlyMember === undefined && ![...Array(exp.members).keys()].some((m) => hasCheckpoint(memberDir(m)))) {
    throw new Error(`--resume ${values.resume}: there is no checkpoint of ${exp.name} in it${exp.members > 1 ? ' (looked in member-1 to member-' + exp.members + ')' : ''}`);
  }

  const data = loadMnist({ limit });
  const training = exp.expanded ? expandMnist(data.training) : data.training;
  log(`${exp.name}: ${exp.description}; ${training.y.size} training images, ${epochs} epochs, eta ${eta}, lambda ${lmbda}, mini-batch ${miniBatchSize}, backend ${backend}`);

  const stopNotice = announceNativeBuilds(log);
  const started = performance.now();
  // Seconds spent by earlier, interrupted processes on the epochs this one resumed.
  let earlierSeconds = 0;
  const reports: EpochReport[][] = [];
  const histories: TrainingHistory[] = [];
  const votes: NDArray[] = [];
  for (let m = onlyMember === undefined ? 0 : onlyMember - 1; m < (onlyMember ?? exp.members); m++) {
    const net = buildNetwork(exp, miniBatchSize, seed + 100 * m);
    const label = exp.members > 1 ? `net ${m + 1}/${exp.members} ` : '';
    let checkpoint: { dir: string; resume: boolean } | undefined;
    if (checkpointDir) {
      const dir = memberDir(m);
      // An ensemble resumed before its later members started starts those afresh.
      const resume = Boolean(values.resume) && hasCheckpoint(dir);
      if (resume) {
        const done = readCheckpointSummary(dir)!;
        log(`${label}resuming from ${dir}: ${done.epochsDone} of ${epochs} epochs done${done.stopped ? ' (stopped early)' : ''}`);
      }
      checkpoint = { dir, resume };
    }
    const callStarted = performance.now();
    const history = await net.sgd(training, epochs, miniBatchSize, eta, data.validation, data.test, {
      lmbda, backend: observed.backend, checkpoint, testEveryEpoch: true,
      progress: values['no-progress'] ? false : values.progress ? true : undefined,
      onEpoch: (r) => {
        log(`${label}epoch ${r.epoch}: validation accuracy ${pct(r.validationAccuracy)}, test ${pct(r.epochTestAccuracy)}, best validation ${pct(r.bestValidationAccuracy)} (test there ${pct(r.testAccuracy)}), cost ${r.cost.toFixed(4)}, ${r.seconds.toFixed(1)} s, ${Math.round(r.examplesPerSecond)} examples/s`);
      },
    });
    earlierSeconds += history.seconds - (performance.now() - callStarted) / 1000;
    histories.push(history);
    reports.push(history.epochs);
    if (exp.members > 1) {
      votes.push(await net.predict(data.test.x, { backend: observed.backend }));
      log(`${label}done: best validation accuracy ${pct(history.bestValidationAccuracy)}, test there ${pct(history.testAccuracy)}`);
    }
  }

  stopNotice();
  if (onlyMember !== undefined) {
    log(`net ${onlyMember}/${exp.members} is trained in ${memberDir(onlyMember - 1)}; once every network is, --resume ${checkpointDir} without --member votes`);
    return;
  }
  const ran = observed.ran();
  const trainSeconds = histories.reduce((s, h) => s + h.epochs.reduce((t, r) => t + r.seconds, 0), 0);
  const trainExamples = histories.reduce((s, h) => s + h.trainExamplesPerSec * h.epochs.reduce((t, r) => t + r.seconds, 0), 0);
  let testAccuracy: number;
  let bestValidationAccuracy: number;
  if (exp.members > 1) {
    // The book's ensemble: each network votes with its test predictions; the plurality class wins.
    const vote = majorityVote(votes);
    let correct = 0;
    for (let i = 0; i < data.test.y.size; i++) if (vote.data[i] === data.test.y.data[i]) correct++;
    testAccuracy = correct / data.test.y.size;
    bestValidationAccuracy = Math.max(...histories.map((h) => h.bestValidationAccuracy ?? 0));
    log(`ensemble of ${exp.members}: test accuracy ${pct(testAccuracy)} by majority vote`);
  } else {
    testAccuracy = histories[0]!.testAccuracy ?? NaN;
    bestValidationAccuracy = histories[0]!.bestValidationAccuracy ?? NaN;
  }
  const seconds = earlierSeconds + (performance.now() - started) / 1000;
  const result = {
    experiment: exp.name, backend: ran, epochs, seconds: round(seconds, 2), trainExamplesPerSec: Math.round(trainExamples / Math.max(trainSeconds, 1e-9)),
    bestValidationAccuracy: round(bestValidationAccuracy, 6), testAccuracy: round(testAccuracy, 6),
  };
  const members = exp.members > 1
    ? histories.map((h, m) => ({ seed: seed + 100 * m, bestValidationAccuracy: h.bestValidationAccuracy, bestEpoch: h.bestEpoch, testAccuracy: h.testAccuracy }))
    : undefined;

  const outDir = values.out ?? join(fileURLToPath(new URL('../..', import.meta.url)), 'results');
  mkdirSync(outDir, { recursive: true });
  const stem = join(outDir, `${exp.name}-${ran}-${epochs}ep${limit ? `-limit${limit}` : ''}`);
  writeFileSync(`${stem}.svg`, plotSvg(`${exp.name} (${ran}): test ${pct(testAccuracy)}${exp.members > 1 ? ` (vote of ${exp.members})` : ''}, book ${exp.bookTestAccuracy.toFixed(2)}% after ${exp.epochs} epochs`, runSeries(reports)));
  writeFileSync(`${stem}.json`, JSON.stringify({ ...result, eta, lmbda, miniBatchSize, expanded: exp.expanded, trainingImages: training.y.size, limit: limit ?? null, seed, bookTestAccuracy: exp.bookTestAccuracy, members, epochReports: reports }, null, 2));
  log(`best validation accuracy ${pct(bestValidationAccuracy)}, test accuracy ${pct(testAccuracy)} (book: ${exp.bookTestAccuracy}% after ${exp.epochs} epochs); ${seconds.toFixed(1)} s; wrote ${stem}.svg and .json`);
  if (values.json) console.log(JSON.stringify(result));
}

const pct = (a: number | null) => (a === null || Number.isNaN(a) ? 'n/a' : `${(a * 100).toFixed(2)}%`);
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
