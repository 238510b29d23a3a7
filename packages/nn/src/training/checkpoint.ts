import { HypatiaError, type NDArray, type SharedVariable } from '@hypatia/core';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import { checkpointStoreIn, type CheckpointStore } from './checkpoint-store.js';

/** `checkpoint` option of Network.sgd and fit. */
export interface CheckpointOptions {
  /**
   * Folder of the checkpoint, `<dir>/checkpoint.safetensors`, replaced atomically after every epoch
   * (created if missing; file access comes from '@hypatia/nn/node').
   */
  dir: string;
  /**
   * Continue from the checkpoint in `dir`, which must exist: the run goes on from the epoch after the
   * last one saved and ends as the same call without interruption would. Without it `dir` must hold
   * no checkpoint, so a new run never overwrites another's.
   */
  resume?: boolean;
}

/** A checkpoint that is missing, unreadable, or made by a different run than the one resuming it. */
export class CheckpointError extends HypatiaError {
  constructor(call: string, detail: string) {
    super(call, detail);
    this.name = 'CheckpointError';
  }
}

/** The settings a resumed run must share with the run that wrote the checkpoint. */
export type Fingerprint = Record<string, string | number | boolean | null>;

/** What every training call records between epochs; each adds its own fields. */
export interface CheckpointProgress {
  /** Epochs completed and saved. */
  epochsDone: number;
  /** Training ended before the requested epochs (early stopping, a plateau, a non-finite cost). */
  stopped: boolean;
}

/**
 * What a checkpoint records about its run: the call that wrote it, the epochs done, and whether training stopped early.
 */
export interface CheckpointSummary {
  call: string;
  epochsDone: number;
  stopped: boolean;
}

const FORMAT = 'hypatia-checkpoint';
// Raised whenever the record changes, so a file of another layout is refused rather than misread.
const VERSION = '2';
/** Tensors under this prefix hold the best epoch's parameters (early stopping), by parameter name. */
const BEST = 'best.';

// JSON has no NaN or infinities; a diverged epoch's cost must come back as it was.
const nonFinite = new Set(['NaN', 'Infinity', '-Infinity']);
const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
const fromJson = (s: string) => JSON.parse(s, (_k, x) => (typeof x === 'string' && nonFinite.has(x) ? Number(x) : x));

function decode(bytes: Uint8Array, call: string, where: string) {
  let file: ReturnType<typeof decodeSafetensors>;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(call, `${where}: ${(e as Error).message}`);
  }
  const m = file.metadata;
  if (m.format !== FORMAT || m.version !== VERSION) throw new CheckpointError(call, `${where} is not a ${FORMAT} file of version ${VERSION}`);
  return { tensors: file.tensors, writer: m.call!, fingerprint: fromJson(m.fingerprint!) as Fingerprint, progress: fromJson(m.progress!) as CheckpointProgress };
}

/** The call that wrote a checkpoint and how far it got. */
export function checkpointSummary(bytes: Uint8Array, where = 'checkpoint'): CheckpointSummary {
  const c = decode(bytes, 'checkpointSummary', where);
  return { call: c.writer, epochsDone: c.progress.epochsDone, stopped: c.progress.stopped };
}

/**
 * Saves and restores everything a training call changes between epochs: the variables its step
 * updates (parameters, optimiser state such as velocities, batch-norm statistics, the random
 * streams' states), named and shape-checked, the best epoch's parameters when early stopping keeps
 * them, and a JSON record of the call's own progress. One file, replaced whole.
 */
export class TrainingCheckpoint<P extends CheckpointProgress> {
  private readonly store: CheckpointStore;

  /**
   * `state`: the variables by saved name; `params`: the parameters by saved name (a snapshot of the
   * best epoch is saved under these names); `fingerprint`: settings that must not change on resume.
   */
  constructor(
    private readonly call: string,
    private readonly options: CheckpointOptions,
    private readonly state: ReadonlyMap<string, SharedVariable>,
    private readonly params: ReadonlyMap<string, SharedVariable>,
    private readonly fingerprint: Fingerprint,
  ) {
    this.store = checkpointStoreIn(call, options.dir);
  }

  /**
   * Without `resume`: checks that the folder holds no checkpoint and returns null. With it: checks the
   * checkpoint against this call (writer, settings, every tensor's name, dtype and shape, and
   * `accept`, which throws if the progress does not fit the call), then loads the variables and
   * returns the progress and the best epoch's parameters (null if none were saved). A checkpoint
   * that does not fit changes no variable.
   */
  restore(accept: (progress: P, where: string) => void = () => {}): { progress: P; best: NDArray[] | null } | null {
    const bytes = this.store.read();
    if (!this.options.resume) {
      if (bytes) throw new CheckpointError(this.call, `${this.store.location} already holds a checkpoint; pass resume: true to continue it, or choose another folder`);
      return null;
    }
    if (!bytes) throw new CheckpointError(this.call, `resume: there is no checkpoint at ${this.store.location}`);
    const where = this.store.location;
    const c = decode(bytes, this.call, where);
    if (c.writer !== this.call) throw new CheckpointError(this.call, `${where} was written by ${c.writer}, not ${this.call}`);
    const changed = [...new Set([...Object.keys(c.fingerprint), ...Object.keys(this.fingerprint)])]
      .filter((k) => toJson(c.fingerprint[k] ?? null) !== toJson(this.fingerprint[k] ?? null))
      .map((k) => `${k} ${toJson(c.fingerprint[k] ?? null)} in the checkpoint, ${toJson(this.fingerprint[k] ?? null)} now`);
    if (changed.length) throw new CheckpointError(this.call, `${where} was made by a different run: ${changed.join('; ')}`);

    const plan: [SharedVariable, NDArray][] = [];
    const fits = (name: string, v: SharedVariable) => {
      const t = c.tensors.get(name);
      const want = `${v.dtype}[${v.valueShape.join(', ')}]`;
      if (!t) throw new CheckpointError(this.call, `${where} lacks '${name}' (${want}); it was made with another network or update rule`);
      if (t.dtype !== v.dtype || t.shape.length !== v.valueShape.length || t.shape.some((d, i) => d !== v.valueShape[i])) {
        throw new CheckpointError(this.call, `${where}: '${name}' is ${t.dtype}[${t.shape.join(', ')}] in the checkpoint but ${want} in this run`);
      }
      return t;
    };
    for (const [name, v] of this.state) plan.push([v, fits(name, v)]);
    const hasBest = [...c.tensors.keys()].some((k) => k.startsWith(BEST));
    const best = hasBest ? [...this.params].map(([name, p]) => fits(BEST + name, p)) : null;
    const known = new Set([...this.state.keys(), ...(hasBest ? [...this.params.keys()].map((n) => BEST + n) : [])]);
    const extra = [...c.tensors.keys()].filter((k) => !known.has(k));
    if (extra.length) throw new CheckpointError(this.call, `${where} holds tensors this run lacks: ${extra.join(', ')}`);
    accept(c.progress as P, where);
    for (const [v, t] of plan) v.set(t);
    return { progress: c.progress as P, best };
  }

  /** Replace the checkpoint with the variables' current values, `progress` and, if given, the best epoch's parameters (in `params` order). */
  async save(progress: P, best: readonly NDArray[] | null): Promise<void> {
    const entries = [...this.state];
    // Values on a GPU are read back; the step is not running, so borrowed arrays stay valid until encoded.
    const values = await Promise.all(entries.map(([, v]) => v.getAsync({ borrow: true })));
    const tensors = new Map<string, NDArray>(entries.map(([name], i) => [name, values[i]!]));
    if (best) [...this.params.keys()].forEach((name, i) => tensors.set(BEST + name, best[i]!));
    this.store.write(encodeSafetensors(tensors, { format: FORMAT, version: VERSION, call: this.call, fingerprint: toJson(this.fingerprint), progress: toJson(progress) }));
  }
}

/**
 * Saved names for a training call's state: the parameters under their network names
 * (`layers.<i>.<name>`, as saveNetwork writes them), every other variable the step updates as
 * `state.<k>.<name>` in the order the step's graph lists them, which the same code builds the same way.
 */
export function stateNames(params: ReadonlyMap<string, SharedVariable>, updated: readonly SharedVariable[], extra: ReadonlyMap<string, SharedVariable> = new Map()): Map<string, SharedVariable> {
  const out = new Map(params);
  const taken = new Set(params.values());
  let k = 0;
  for (const v of updated) {
    if (taken.has(v)) continue;
    taken.add(v);
    out.set(`state.${k++}.${v.name ?? 'unnamed'}`, v);
  }
  for (const [name, v] of extra) if (!taken.has(v)) { taken.add(v); out.set(name, v); }
  return out;
}
