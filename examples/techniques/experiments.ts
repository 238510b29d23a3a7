// The texts' comparisons, each a small function returning a table row set and the curves to plot.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  adam, BatchNormLayer, DropoutLayer, fit, FullyConnectedLayer, gradientNorms, linear, momentum, Network, reinitialise, relu, sgd,
  SigmoidOutputLayer, sliceDataset, SoftmaxLayer, type Dataset, type FitHistory, type Layer, type WeightInit,
} from '@hypatia/nn';
import { lineChartSvg, type Series } from './svg-plot.js';

export interface TechniquesConfig {
  quick: boolean;
  backend: string;
  outDir: string;
  training: Dataset;
  validation: Dataset;
  log?: (line: string) => void;
  /** Run only these comparisons (ids as in the results: cost, l2, dropout, init, optimizers, batchnorm, gradnorms). */
  only?: readonly string[];
}

export interface ExperimentResult {
  id: string;
  title: string;
  claim: string;
  /** Markdown table rows: [setting, result, detail]. */
  rows: [string, string, string][];
  plot: string;
  /** Set in a smoke run (--quick): what was cut, and whether the numbers can still test the claim. */
  smoke?: SmokeRun;
}

export interface SmokeRun {
  /** '1 epoch on 500 images', for the plot's note and the results. */
  what: string;
  testsClaim: boolean;
}

const pct = (a: number | null) => (a === null ? 'n/a' : `${(100 * a).toFixed(2)}%`);
const curve = (h: FitHistory, key: 'validationAccuracy' | 'trainAccuracy' | 'cost') => h.epochs.map((e) => (e[key] ?? NaN) * (key === 'cost' ? 1 : 100));
const lastAcc = (h: FitHistory) => h.epochs.at(-1)?.validationAccuracy ?? null;

function stack(sizes: readonly number[], seed: number, hidden: (nIn: number, nOut: number, s: number) => Layer[], out: (nIn: number) => Layer): Layer[] {
  const layers: Layer[] = [];
  for (let i = 0; i + 2 < sizes.length; i++) layers.push(...hidden(sizes[i]!, sizes[i + 1]!, seed + i));
  layers.push(out(sizes[sizes.length - 2]!));
  return layers;
}

const sigmoidHidden = (nIn: number, nOut: number, seed: number) => [new FullyConnectedLayer({ nIn, nOut, seed })];

export async function runTechniques(cfg: TechniquesConfig): Promise<ExperimentResult[]> {
  const { quick, backend } = cfg;
  const log = cfg.log ?? (() => {});
  const mb = 10;
  const E = (full: number) => (quick ? 1 : full);
  const results: ExperimentResult[] = [];
  const want = (id: string) => !cfg.only || cfg.only.includes(id);
  const validation = cfg.validation;
  const train = cfg.training;
  // A quick run checks that every comparison runs; one epoch on a few hundred images cannot show what
  // the techniques do, so its plots and results say so and do not put the text's claims beside its numbers.
  const smoke = (images: number, trained = true): SmokeRun | undefined =>
    (quick ? { what: trained ? `1 epoch on ${images} images` : `${images} images (the full run: 1,000)`, testsClaim: !trained } : undefined);
  const chart = (title: string, xLabel: string, yLabel: string, series: readonly Series[], s: SmokeRun | undefined, logY = false) =>
    lineChartSvg(s ? `${title} (smoke run)` : title, xLabel, yLabel, series, { logY, note: s && `--quick: ${s.what}${s.testsClaim ? '' : '; too little to test the claim'}` });
  if (quick) log(`smoke run (--quick): 1 epoch per setting on ${train.y.size} training images (${Math.min(200, train.y.size)} for L2 and dropout); the numbers show that each comparison runs, not what the techniques do (full run: pnpm techniques; measurements in docs/techniques.md)`);
  const run = async (name: string, net: Network, data: Dataset, opts: Parameters<typeof fit>[2]) => {
    const h = await fit(net, data, { backend, validation, ...opts });
    log(`  ${name}: best validation ${pct(h.bestValidationAccuracy)} (last ${pct(lastAcc(h))}) in ${h.seconds.toFixed(1)} s`);
    return h;
  };

  // 1. Nielsen 3.1: quadratic vs cross-entropy, both from a saturated start (weights N(0, 1)).
  if (want('cost')) {
    log('quadratic vs cross-entropy from a saturated start');
    const hs: Record<string, FitHistory> = {};
    for (const cost of ['quadratic', 'cross-entropy'] as const) {
      const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 30, seed: 11 }), new SigmoidOutputLayer({ nIn: 30, nOut: 10, cost, seed: 12 })], mb);
      reinitialise(net.layers, { weights: 'large', biases: 'normal', seed: 13 });
      hs[cost] = await run(cost, net, train, { epochs: E(10), optimizer: sgd(0.5) });
    }
    const s = smoke(train.y.size);
    results.push({
      id: 'cost', title: 'Quadratic vs cross-entropy cost (sigmoid outputs, N(0,1) weights, eta 0.5)', smoke: s,
      claim: 'Nielsen 3.1: with saturated sigmoid neurons the quadratic cost learns slowly (its gradient carries sigma\'(z)); cross-entropy does not.',
      rows: Object.entries(hs).map(([k, h]) => [k, pct(h.bestValidationAccuracy), `epoch-1 validation ${pct(h.epochs[0]!.validationAccuracy)}`]),
      plot: chart('Quadratic vs cross-entropy', 'epoch', 'validation accuracy %', Object.entries(hs).map(([k, h]) => ({ name: k, values: curve(h, 'validationAccuracy') })), s),
    });
  }

  // 2. Nielsen 3.2: L2 regularisation on 1,000 training images.
  if (want('l2')) {
    const small = sliceDataset(train, 0, quick ? 200 : 1000);
    log(`L2 vs none on ${small.y.size} images`);
    const series: Series[] = []; const rows: [string, string, string][] = [];
    for (const l2 of [0, 0.1]) {
      // network2's overfitting set-up: sigmoid outputs with cross-entropy, every layer N(0, 1) (large_weight_initializer).
      const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 30, seed: 21 }), new SigmoidOutputLayer({ nIn: 30, nOut: 10, seed: 22 })], mb);
      reinitialise(net.layers, { weights: 'large', biases: 'normal', seed: 23 });
      const h = await run(`lambda ${l2}`, net, small, { epochs: E(150), optimizer: sgd(0.5), l2, trainAccuracy: true });
      const tr = h.epochs.at(-1)!.trainAccuracy;
      rows.push([`lambda = ${l2}`, pct(h.bestValidationAccuracy), `final training ${pct(tr)}, final validation ${pct(lastAcc(h))}`]);
      series.push({ name: `val, lambda ${l2}`, values: curve(h, 'validationAccuracy') }, { name: `train, lambda ${l2}`, values: curve(h, 'trainAccuracy') });
    }
    const s = smoke(small.y.size);
    results.push({
      id: 'l2', title: `L2 regularisation on ${small.y.size} training images (784-30-10 sigmoid, cross-entropy, N(0,1) weights, eta 0.5, ${quick ? '1 epoch' : '150 epochs'})`, smoke: s,
      claim: 'Nielsen 3.2: on 1,000 images the unregularised network overfits (100% training accuracy, validation plateaus near 82%); lambda = 0.1 narrows the gap and lifts validation accuracy (to about 87%).',
      rows, plot: chart('L2 vs none', 'epoch', 'accuracy %', series, s),
    });
  }

  // 3. Initialisation on a deep sigmoid stack.
  // Nielsen 3.2 / CS231n: dropout against overfitting, on 1,000 images with a wider hidden layer.
  if (want('dropout')) {
    const small = sliceDataset(train, 0, quick ? 200 : 1000);
    log(`dropout vs none on ${small.y.size} images`);
    const series: Series[] = []; const rows: [string, string, string][] = [];
    for (const keep of [1, 0.5]) {
      const layers: Layer[] = [new FullyConnectedLayer({ nIn: 784, nOut: 100, seed: 71 })];
      if (keep < 1) layers.push(new DropoutLayer({ keep, seed: 72 }));
      layers.push(new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 73 }));
      const net = new Network(layers, mb);
      reinitialise(net.layers, { weights: 'nielsen', biases: 'normal', seed: 74, skipLast: true });
      const h = await run(`keep ${keep}`, net, small, { epochs: E(60), optimizer: sgd(0.5), trainAccuracy: true });
      rows.push([keep < 1 ? `inverted dropout, keep ${keep}` : 'no dropout', pct(h.bestValidationAccuracy), `final training ${pct(h.epochs.at(-1)!.trainAccuracy)}, final validation ${pct(lastAcc(h))}`]);
      series.push({ name: `val, keep ${keep}`, values: curve(h, 'validationAccuracy') }, { name: `train, keep ${keep}`, values: curve(h, 'trainAccuracy') });
    }
    const s = smoke(small.y.size);
    results.push({
      id: 'dropout', title: `Dropout on ${small.y.size} training images (784-100-10, eta 0.5, ${quick ? '1 epoch' : '60 epochs'})`, smoke: s,
      claim: 'Nielsen 3.2: dropout (half the hidden neurons) reduces overfitting, like averaging many thinned networks, and helps most when training data is scarce.',
      rows, plot: chart('Dropout vs none', 'epoch', 'accuracy %', series, s),
    });
  }

  if (want('init')) {
    log('four initialisations on a 784-30-30-30-30-10 sigmoid stack');
    const series: Series[] = []; const rows: [string, string, string][] = [];
    for (const init of ['large', 'nielsen', 'xavier', 'he'] as WeightInit[]) {
      const net = new Network(stack([784, 30, 30, 30, 30, 10], 31, sigmoidHidden, (nIn) => new SoftmaxLayer({ nIn, nOut: 10, seed: 39 })), mb);
      // Every layer, the softmax output included, gets the scheme (a zero output layer would hide the difference).
      reinitialise(net.layers, { weights: init, biases: 'zero', seed: 33 });
      const h = await run(init, net, train, { epochs: E(5), optimizer: sgd(0.1) });
      rows.push([init, pct(h.bestValidationAccuracy), `epoch-1 validation ${pct(h.epochs[0]!.validationAccuracy)}`]);
      series.push({ name: init, values: curve(h, 'validationAccuracy') });
    }
    const s = smoke(train.y.size);
    results.push({
      id: 'init', title: 'Weight initialisation of every layer, 784-30-30-30-30-10 sigmoid stack with softmax output (eta 0.1, zero biases)', smoke: s,
      claim: 'Nielsen 3.3: N(0, 1/n_in) learns faster than N(0, 1), which saturates hidden neurons; CS231n: Xavier keeps activations\' variance steady, He is for ReLU.',
      rows, plot: chart('Initialisations', 'epoch', 'validation accuracy %', series, s),
    });
  }

  // 4. Optimisers.
  if (want('optimizers')) {
    log('SGD vs momentum vs Adam');
    const series: Series[] = []; const rows: [string, string, string][] = [];
    const opts = { sgd: () => sgd(0.1), momentum: () => momentum(0.02, 0.9), adam: () => adam(0.001) };
    for (const [name, make] of Object.entries(opts)) {
      const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 30, seed: 41 }), new SoftmaxLayer({ nIn: 30, nOut: 10, seed: 42 })], mb);
      reinitialise(net.layers, { weights: 'nielsen', biases: 'zero', seed: 43, skipLast: true });
      const h = await run(name, net, train, { epochs: E(5), optimizer: make() });
      rows.push([name, pct(h.bestValidationAccuracy), `epoch-1 validation ${pct(h.epochs[0]!.validationAccuracy)}, final cost ${h.epochs.at(-1)!.cost.toFixed(4)}`]);
      series.push({ name, values: curve(h, 'cost') });
    }
    const s = smoke(train.y.size);
    results.push({
      id: 'optimizers', title: 'SGD (eta 0.1) vs momentum (eta 0.02, mu 0.9) vs Adam (1e-3), 784-30-10', smoke: s,
      claim: 'Nielsen 3.5 / CS231n: momentum speeds up progress along consistent directions; Adam is the recommended default and converges fastest per epoch.',
      rows, plot: chart('Optimisers: training cost', 'epoch', 'mean training cost', series, s),
    });
  }

  // 5. Batch normalisation.
  if (want('batchnorm')) {
    log('batch norm vs none on a 784-100-100-100-10 ReLU stack');
    const series: Series[] = []; const rows: [string, string, string][] = [];
    for (const bn of [false, true]) {
      const hidden = (nIn: number, nOut: number, seed: number): Layer[] => (bn
        ? [new FullyConnectedLayer({ nIn, nOut, activation: linear, seed }), new BatchNormLayer({ features: nOut, activation: relu })]
        : [new FullyConnectedLayer({ nIn, nOut, activation: relu, seed })]);
      const net = new Network(stack([784, 100, 100, 100, 10], 51, hidden, (nIn) => new SoftmaxLayer({ nIn, nOut: 10, seed: 59 })), mb);
      reinitialise(net.layers, { weights: 'he', biases: 'zero', seed: 53, skipLast: true });
      const h = await run(bn ? 'batch norm' : 'none', net, train, { epochs: E(5), optimizer: sgd(0.1) });
      const name = bn ? 'batch norm' : 'no batch norm';
      rows.push([name, pct(h.bestValidationAccuracy), `epoch-1 validation ${pct(h.epochs[0]!.validationAccuracy)}`]);
      series.push({ name, values: curve(h, 'validationAccuracy') });
    }
    const s = smoke(train.y.size);
    results.push({
      id: 'batchnorm', title: 'Batch normalisation, 3 hidden ReLU layers of 100 (He init, eta 0.1)', smoke: s,
      claim: 'CS231n: batch norm makes networks robust to initialisation and lets them train faster at a given learning rate.',
      rows, plot: chart('Batch norm vs none', 'epoch', 'validation accuracy %', series, s),
    });
  }

  // 6. Vanishing gradients: per-layer gradient norms at initialisation (Nielsen ch. 5).
  if (want('gradnorms')) {
    log('gradient norms per layer, 784-30-30-30-30-10 sigmoid net');
    const net = new Network(stack([784, 30, 30, 30, 30, 10], 61, sigmoidHidden, (nIn) => new SigmoidOutputLayer({ nIn, nOut: 10, seed: 69 })), quick ? 100 : 1000);
    reinitialise(net.layers, { weights: 'nielsen', biases: 'normal', seed: 63 });
    const batch = sliceDataset(train, 0, quick ? 100 : 1000);
    const norms = await gradientNorms(net, batch, { backend });
    const hidden = norms.slice(0, 4);
    log(`  ||dC/db|| per hidden layer: ${hidden.map((n) => n.biases.toExponential(2)).join(', ')}`);
    // Measured at initialisation: no training to cut, so a smoke run's numbers still answer the text.
    const s = smoke(batch.y.size, false);
    results.push({
      id: 'gradnorms', title: `Gradient norms ‖dC/db‖ per hidden layer at initialisation (${batch.y.size} images)`, smoke: s,
      claim: 'Nielsen ch. 5: in a [784, 30, 30, 30, 30, 10] sigmoid network the speeds are about 0.003, 0.017, 0.070, 0.285: each earlier layer learns several times more slowly (vanishing gradient).',
      rows: hidden.map((n, i) => [`hidden layer ${i + 1}`, n.biases.toExponential(3), `‖dC/dw‖ ${n.weights.toExponential(3)}`]),
      plot: chart('Gradient norm per hidden layer', 'hidden layer', '||dC/db|| (log10)', [{ name: '||dC/db||', values: hidden.map((n) => n.biases) }], s, true),
    });
  }

  mkdirSync(cfg.outDir, { recursive: true });
  for (const r of results) writeFileSync(join(cfg.outDir, `${r.id}.svg`), r.plot);
  writeFileSync(join(cfg.outDir, 'results.md'), resultsMarkdown(results, cfg));
  return results;
}

export function resultsMarkdown(results: readonly ExperimentResult[], cfg: Pick<TechniquesConfig, 'quick' | 'backend' | 'training' | 'validation'>): string {
  const head = cfg.quick
    ? `# Training techniques: smoke run\n\nSmoke run (\`pnpm techniques --quick\`): ${cfg.training.y.size} training and ${cfg.validation.y.size} validation MNIST images, one epoch per setting, backend '${cfg.backend}'. It shows that every comparison runs; its numbers cannot confirm or refute the texts' claims. The full run (\`pnpm techniques\`) and its measurements: docs/techniques.md.\n`
    : `# Training techniques: results\n\nFull run: ${cfg.training.y.size} training and ${cfg.validation.y.size} validation MNIST images, backend '${cfg.backend}'. Generated by \`pnpm techniques\`.\n`;
  return head + results.map((r) => `\n## ${r.title}${r.smoke ? ' (smoke run)' : ''}\n\n${claimLine(r)}\n\n| setting | best validation / value | detail |\n|---|---|---|\n${r.rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}\n\n![${r.id}](${r.id}.svg)\n`).join('');
}

/** The text's claim; in a smoke run, what the numbers below can and cannot say about it. */
function claimLine(r: ExperimentResult): string {
  if (!r.smoke) return `The text: ${r.claim}`;
  if (r.smoke.testsClaim) return `Smoke run (${r.smoke.what}); nothing here depends on training, so the numbers are comparable with the text: ${r.claim}`;
  return `Smoke run (${r.smoke.what}): too little training to test the text's claim, which is not repeated here; see docs/techniques.md for the full run's measurements.`;
}
