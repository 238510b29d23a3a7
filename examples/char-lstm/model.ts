import { compile, NDArray, shared, imatrix, matrix, grad, type CompiledFunction, type SharedVariable, type Update, type Variable } from '@hypatia/core';
import { add, div, dot, reshape, shapeOf, softmax } from '@hypatia/ops';
import { adam, clipGradientNorm, EmbeddingLayer, LSTMLayer, sequenceCrossEntropy, Rng } from '@hypatia/nn';

/** The sizes and training settings of the character model. */
export interface CharModelOptions {
  vocab: number;
  embed: number;
  hidden: number;
  /** Characters per chunk: how far back the gradient reaches (truncated BPTT). */
  seqLength: number;
  batch: number;
  learningRate: number;
  /** Clip the gradients' global norm to this. */
  clipNorm: number;
  seed: number;
}

/**
 * A character-level language model: embedding, one LSTM layer, and a linear map from the hidden
 * state to the next character's logits. Training runs on chunks of `seqLength` steps of `batch`
 * streams; the LSTM's last h and c of a chunk are kept in shared variables and are the next
 * chunk's initial states, so the forward pass sees the whole text while the gradient stops at the
 * chunk's start (truncated back-propagation through time).
 */
export class CharModel {
  readonly embedding: EmbeddingLayer;
  readonly lstm: LSTMLayer;
  readonly wOut: SharedVariable;
  readonly bOut: SharedVariable;
  private readonly h: SharedVariable;
  private readonly c: SharedVariable;

  constructor(readonly o: CharModelOptions) {
    this.embedding = new EmbeddingLayer({ vocab: o.vocab, dim: o.embed, seed: o.seed });
    this.lstm = new LSTMLayer({ nIn: o.embed, nHidden: o.hidden, seed: o.seed + 1 });
    const rng = new Rng(o.seed + 2);
    const k = 1 / Math.sqrt(o.hidden);
    this.wOut = shared(new NDArray('float32', [o.hidden, o.vocab], Float32Array.from({ length: o.hidden * o.vocab }, () => (2 * rng.uniform() - 1) * k)), { name: 'w_out' });
    this.bOut = shared(NDArray.zeros('float32', [o.vocab]), { name: 'b_out' });
    this.h = shared(NDArray.zeros('float32', [o.batch, o.hidden]), { name: 'h' });
    this.c = shared(NDArray.zeros('float32', [o.batch, o.hidden]), { name: 'c' });
  }

  get params(): SharedVariable[] {
    return [...this.embedding.params, ...this.lstm.params, this.wOut, this.bOut];
  }

  /** Next-character logits `[time, batch, vocab]` of ids `[time, batch]`, and the LSTM's last states. */
  logits(ids: Variable, h0: Variable, c0: Variable): { logits: Variable; hT: Variable; cT: Variable } {
    const run = this.lstm.apply(this.embedding.apply(ids), h0, c0);
    const flat = add(dot(reshape(run.outputs, [-1, this.o.hidden]), this.wOut), this.bOut);
    return { logits: reshape(flat, [shapeOf(ids, 0), shapeOf(ids, 1), this.o.vocab]), hT: run.hT, cT: run.cT };
  }

  /**
   * One training step on a chunk: inputs `x`, targets `y` (x shifted by one character), both int32
   * `[seqLength, batch]`; returns the chunk's mean cost in nats per character. Adam on gradients
   * clipped by global norm; the carried states advance.
   */
  async trainStep(backend: string): Promise<CompiledFunction<NDArray>> {
    const x = imatrix('x'); const y = imatrix('y');
    const { logits, hT, cT } = this.logits(x, this.h, this.c);
    const cost = sequenceCrossEntropy(logits, y);
    const grads = clipGradientNorm(grad(cost, this.params), this.o.clipNorm);
    const updates: Update[] = [...adam(this.o.learningRate).updates(this.params, grads), [this.h, hT], [this.c, cT]];
    return compile({ name: 'char_lstm_step', inputs: [x, y], outputs: cost, updates, backend });
  }

  /** Starts every stream from zero states (at the start of each pass over the text). */
  resetState(): void {
    this.h.set(NDArray.zeros('float32', [this.o.batch, this.o.hidden]));
    this.c.set(NDArray.zeros('float32', [this.o.batch, this.o.hidden]));
  }

  /**
   * Samples `length` characters after `prime`, one step at a time, each drawn from the softmax of
   * the logits divided by `temperature`. Runs on the reference backend: one character per call at
   * batch 1 is too small to gain from compiled code, and needs no compiler.
   */
  async sample(vocab: readonly string[], prime: string, length: number, temperature: number, seed: number): Promise<string> {
    const x = imatrix('x'); const h0 = matrix('h0'); const c0 = matrix('c0');
    const { logits, hT, cT } = this.logits(x, h0, c0);
    const step = await compile({ name: 'char_lstm_sample', inputs: [x, h0, c0], outputs: [softmax(div(reshape(logits, [-1]), temperature)), hT, cT], backend: 'reference' });
    const idOf = new Map(vocab.map((ch, i) => [ch, i]));
    let h = NDArray.zeros('float32', [1, this.o.hidden]); let c = NDArray.zeros('float32', [1, this.o.hidden]);
    let probs: NDArray | undefined;
    const feed = async (id: number) => { [probs, h, c] = await step(new NDArray('int32', [1, 1], Int32Array.of(id)), h, c) as NDArray[]; };
    for (const ch of prime) await feed(idOf.get(ch) ?? 0);
    const rng = new Rng(seed);
    let out = '';
    for (let i = 0; i < length; i++) {
      let u = rng.uniform(); let id = 0;
      const p = probs!.data;
      while (id < p.length - 1 && (u -= p[id]!) > 0) id++;
      out += vocab[id];
      await feed(id);
    }
    return out;
  }
}
