import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The text the example trains on by default: public-domain American founding texts and speeches, in the repository. */
export const DEFAULT_CORPUS = fileURLToPath(new URL('./corpus/public-domain.txt', import.meta.url));

/** A text as character ids: its characters in order of code point (the vocabulary) and each character's id. */
export interface Corpus {
  path: string;
  text: string;
  vocab: string[];
  ids: Int32Array;
}

export function loadCorpus(path = DEFAULT_CORPUS): Corpus {
  const text = readFileSync(path, 'utf8');
  const chars = [...text];
  const vocab = [...new Set(chars)].sort();
  const idOf = new Map(vocab.map((c, i) => [c, i]));
  return { path, text, vocab, ids: Int32Array.from(chars, (c) => idOf.get(c)!) };
}

/**
 * The entropy of the text's character frequencies, -sum p log p, in nats per character: the cost of
 * the best model that ignores context. A model whose cost falls below it has learned from context.
 */
export function unigramEntropy(ids: Int32Array, vocab: number): number {
  const counts = new Float64Array(vocab);
  for (const id of ids) counts[id]! += 1;
  let h = 0;
  for (const n of counts) if (n > 0) h -= (n / ids.length) * Math.log(n / ids.length);
  return h;
}

/**
 * The ids cut into `batch` contiguous streams side by side, `[length, batch]` time-major (stream b is
 * the b-th slice of the text), so consecutive chunks of rows continue each stream: the layout
 * truncated back-propagation through time reads, carrying each stream's state from chunk to chunk.
 */
export function batchStreams(ids: Int32Array, batch: number): { data: Int32Array; length: number } {
  const length = Math.floor(ids.length / batch);
  if (length < 2) throw new RangeError(`char-lstm: a text of ${ids.length} characters is too short for ${batch} streams`);
  const data = new Int32Array(length * batch);
  for (let b = 0; b < batch; b++) for (let t = 0; t < length; t++) data[t * batch + b] = ids[b * length + t]!;
  return { data, length };
}
