// A character-level LSTM language model (Karpathy's char-rnn) on Hypatia: embedding, LSTM and a
// softmax over the next character, trained by truncated back-propagation through time with Adam and
// gradient clipping; samples text after each epoch and plots the cost per epoch as SVG.
// `pnpm char-lstm [--quick] [--json] [--epochs N] [--backend cpu] [--corpus file.txt] [--out dir]`
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NDArray } from '@hypatia/core';
import '@hypatia/backends';
import { ProgressBar, terminalSink } from '@hypatia/nn';
import { batchStreams, DEFAULT_CORPUS, loadCorpus, unigramEntropy } from './corpus.js';
import { CharModel, type CharModelOptions } from './model.js';
import { lineChartSvg } from '../techniques/svg-plot.js';

/** What a run is given: the model's settings, and the epochs, backend, corpus and output folder. */
export interface CharLstmOptions extends Omit<CharModelOptions, 'vocab'> {
  epochs: number;
  backend: string;
  corpus: string;
  /** Where cost.svg is written; null writes nothing. */
  out: string | null;
  /** Characters sampled after each epoch (0: none). */
  sampleLength: number;
  log: (line: string) => void;
  progress: boolean;
}

/** What a run measured: the mean cost of each epoch (nats per character) against the text's unigram entropy. */
export interface CharLstmResult {
  corpus: string;
  characters: number;
  vocab: number;
  unigramEntropy: number;
  epochCosts: number[];
  samples: string[];
  backend: string;
  seconds: number;
}

/** Sizes for `--quick` (a smoke run well under a minute) and for a full run. */
export const QUICK = { embed: 32, hidden: 128, seqLength: 32, batch: 16, epochs: 12, learningRate: 3e-3, sampleLength: 120 };
export const FULL = { embed: 64, hidden: 256, seqLength: 64, batch: 32, epochs: 60, learningRate: 2e-3, sampleLength: 300 };

export async function trainCharLstm(o: CharLstmOptions): Promise<CharLstmResult> {
  const t0 = performance.now();
  const corpus = loadCorpus(o.corpus);
  const entropy = unigramEntropy(corpus.ids, corpus.vocab.length);
  const model = new CharModel({ ...o, vocab: corpus.vocab.length });
  const step = await model.trainStep(o.backend);
  const { data, length } = batchStreams(corpus.ids, o.batch);
  const chunks = Math.floor((length - 1) / o.seqLength);
  if (chunks < 1) throw new RangeError(`char-lstm: ${length} characters per stream make no chunk of ${o.seqLength} + 1`);
  o.log(`${corpus.path}: ${corpus.ids.length} characters, ${corpus.vocab.length} distinct; unigram entropy ${entropy.toFixed(3)} nats/char; ${chunks} chunks of ${o.seqLength} x ${o.batch} per epoch on ${step.backend}`);
  const rows = (t: number) => new NDArray('int32', [o.seqLength, o.batch], data.slice(t * o.batch, (t + o.seqLength) * o.batch));
  const epochCosts: number[] = [];
  const samples: string[] = [];
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    model.resetState();
    const sink = o.progress ? terminalSink() : null;
    const bar = sink ? new ProgressBar(sink, chunks, `epoch ${epoch}/${o.epochs}`) : null;
    let total = 0;
    for (let k = 0; k < chunks; k++) {
      const t = k * o.seqLength;
      total += (await step(rows(t), rows(t + 1))).item();
      bar?.update(k + 1, `cost ${(total / (k + 1)).toFixed(3)}`);
    }
    bar?.finish();
    epochCosts.push(total / chunks);
    o.log(`epoch ${epoch}: cost ${(total / chunks).toFixed(4)} nats/char (${(total / chunks / Math.LN2).toFixed(3)} bits/char)`);
    if (o.sampleLength > 0) {
      const text = await model.sample(corpus.vocab, 'The ', o.sampleLength, 0.8, epoch);
      samples.push(text);
      o.log(`  sample: The ${text.replace(/\n/g, ' | ')}`);
    }
  }
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    const svg = lineChartSvg('char-LSTM: training cost per epoch', 'epoch', 'nats per character', [
      { name: 'training cost', values: epochCosts },
      { name: 'unigram entropy', values: epochCosts.map(() => entropy) },
    ]);
    writeFileSync(join(o.out, 'cost.svg'), svg);
    o.log(`wrote ${join(o.out, 'cost.svg')}`);
  }
  return { corpus: corpus.path, characters: corpus.ids.length, vocab: corpus.vocab.length, unigramEntropy: entropy, epochCosts, samples, backend: step.backend, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a, k) => !(k === 0 && a === '--')),
    options: {
      quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, epochs: { type: 'string' },
      backend: { type: 'string', default: 'cpu' }, corpus: { type: 'string', default: DEFAULT_CORPUS }, out: { type: 'string', default: 'results/char-lstm' },
      seed: { type: 'string', default: '1' },
    },
  });
  const sizes = values.quick ? QUICK : FULL;
  const r = await trainCharLstm({
    ...sizes, epochs: values.epochs ? Number(values.epochs) : sizes.epochs, clipNorm: 5, seed: Number(values.seed),
    backend: values.backend!, corpus: values.corpus!, out: values.out!,
    log: values.json ? () => {} : console.log, progress: !values.json,
  });
  if (values.json) {
    console.log(JSON.stringify({ corpus: r.corpus, characters: r.characters, vocab: r.vocab, unigramEntropy: r.unigramEntropy, epochCosts: r.epochCosts, backend: r.backend, seconds: r.seconds }));
  } else {
    console.log(`final cost ${r.epochCosts.at(-1)!.toFixed(4)} nats/char against the unigram entropy ${r.unigramEntropy.toFixed(4)} (${r.seconds.toFixed(1)} s, backend ${r.backend})`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
}
