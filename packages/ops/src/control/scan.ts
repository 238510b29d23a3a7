import {
  Constant, HypatiaError, InnerGraph, NDArray, SharedVariable, TensorType, Variable, captureSite, closeOver,
} from '@hypatia/core';
import { subtensor } from '../shape/subtensor.js';
import { Scan, rowType } from './scan-op.js';
import { initialIsState, type ScanInfo, type ScanOutputInfo } from './scan-info.js';

/** A sequence read at several offsets: step t receives input[t + tap - min(taps)] for each tap, in the order given. */
export interface SequenceSpec {
  readonly input: Variable;
  readonly taps?: readonly number[];
}

/**
 * An output that feeds back: `initial` holds its value before the first step and `taps` (negative,
 * default [-1]) the earlier values the function receives, in the order given. With taps [-1] the
 * initial state is the value itself; otherwise it has one row per step back, the oldest first
 * (taps [-2, -1] need two rows: the values at steps -2 and -1). `initial: null` is an output that
 * does not feed back.
 */
export interface OutputSpec {
  readonly initial: Variable | null;
  readonly taps?: readonly number[];
}

/** Shared variables and their new values after the loop (Theano's updates), to pass to compile. */
export type ScanUpdates = [SharedVariable, Variable][];

/** What the step function returns: its outputs, or them with a stop condition and per-step updates of shared variables. */
export type StepResult<O extends Variable | readonly Variable[]> = O | {
  readonly outputs: O;
  /** Stop after the step where this scalar is true (Theano's `until`). */
  readonly until?: Variable;
  /** Shared variables updated at each step: the next step reads the new value; the last is in the returned updates. */
  readonly updates?: readonly (readonly [SharedVariable, Variable])[];
};

/**
 * What `scan` is given (Theano's scan arguments): the step function, the sequences, the outputs' initial states and taps, the non-sequences, the number of steps, truncated back-propagation and direction.
 */
export interface ScanSpec<O extends Variable | readonly Variable[]> {
  /**
   * The step: receives, in this order, each sequence's taps, each fed-back output's taps and the
   * non-sequences (these are the outer variables themselves, as in Theano), and returns the
   * step's outputs, one per entry of `outputsInfo`.
   */
  readonly fn: (...args: Variable[]) => StepResult<O>;
  readonly sequences?: Variable | SequenceSpec | readonly (Variable | SequenceSpec)[];
  /** One entry per output: an initial state (fed back at tap -1), an OutputSpec, or null (not fed back). Default: none feeds back. */
  readonly outputsInfo?: Variable | OutputSpec | null | readonly (Variable | OutputSpec | null)[];
  readonly nonSequences?: Variable | readonly Variable[];
  /** Steps to run; default: as many as the shortest sequence allows. With `until`, the most it may run. */
  readonly nSteps?: number | Variable;
  /** Back-propagate through only the last this many steps (truncated BPTT); -1 (default) for all. */
  readonly truncateGradient?: number;
  /** Read the sequences from their end. */
  readonly goBackwards?: boolean;
}

/**
 * Theano's scan: a loop as one node of the graph. Returns the stacked outputs (one variable when
 * the function returns one, else a list), each with the value of every step along a new axis 0,
 * and the updates of the shared variables the loop changes (random streams drawn from inside the
 * function, and those it updates itself), to pass to compile as `updates`. Variables built outside
 * the function and read inside it (weights, inputs, expressions) are values computed once, as
 * non-sequences are; random draws made inside draw afresh at each step.
 *
 * ```ts
 * const [h, updates] = scan({
 *   fn: (x, hPrev, W, U) => tanh(add(dot(x, W), dot(hPrev, U))),
 *   sequences: xs, outputsInfo: h0, nonSequences: [W, U],
 * });
 * ```
 */
export function scan(spec: ScanSpec<Variable>): [Variable, ScanUpdates];
export function scan(spec: ScanSpec<readonly Variable[]>): [Variable[], ScanUpdates];
export function scan(spec: ScanSpec<Variable | readonly Variable[]>): [Variable | Variable[], ScanUpdates] {
  const site = captureSite();
  const fail = (why: string): never => { throw new HypatiaError('scan', why, site); };
  const sequences = listOf(spec.sequences).map((s): Required<SequenceSpec> => {
    const input = s instanceof Variable ? s : s.input;
    const taps = s instanceof Variable ? [0] : [...(s.taps ?? [0])];
    if (!(input instanceof Variable)) fail(`a sequence must be a variable, got ${String(input)}`);
    if (input.ndim < 1) fail(`sequence ${input} is ${input.type}; a sequence needs an axis 0 to step along`);
    checkTaps(taps, `sequence ${input}`, fail);
    return { input, taps };
  });
  const nonSequences = listOf(spec.nonSequences);
  const outputsGiven = spec.outputsInfo !== undefined;
  const outputsInfo = listOf(spec.outputsInfo === null ? [null] : spec.outputsInfo).map((o): OutputSpec => {
    if (o === null || o === undefined) return { initial: null };
    if (o instanceof Variable) return { initial: o, taps: [-1] };
    return { initial: o.initial, taps: o.initial ? [...(o.taps ?? [-1])] : [] };
  });
  outputsInfo.forEach((o, i) => {
    if (!o.initial) return;
    checkTaps(o.taps!, `output ${i}`, fail);
    if (o.taps!.some((k) => k >= 0)) fail(`output ${i} has taps [${o.taps!.join(', ')}]; an output can only read its earlier values (negative taps)`);
  });
  if (!sequences.length && spec.nSteps === undefined) fail('with no sequences, nSteps must say how many steps to run');
  const truncate = spec.truncateGradient ?? -1;
  if (!(truncate === -1 || (Number.isInteger(truncate) && truncate > 0))) fail(`truncateGradient is ${truncate}; give a positive number of steps, or -1 for all`);
  let nSteps: Variable | null = null;
  if (typeof spec.nSteps === 'number') {
    if (!Number.isInteger(spec.nSteps) || spec.nSteps < 0) fail(`nSteps is ${spec.nSteps}; it must be a non-negative integer`);
    nSteps = new Constant(NDArray.from(spec.nSteps, 'int32'));
  } else if (spec.nSteps) {
    if (spec.nSteps.ndim !== 0 || spec.nSteps.dtype !== 'int32') fail(`nSteps must be a number or an int32 scalar, not ${spec.nSteps} (${spec.nSteps.type})`);
    nSteps = spec.nSteps;
  }

  // Placeholders for what changes from step to step; everything made from here on is the body.
  const seqArgs = sequences.flatMap((s) => s.taps.map((k) => new Variable(rowType(s.input.type), null, 0, `${s.input.name ?? 'sequence'}[t${k < 0 ? k : k > 0 ? `+${k}` : ''}]`)));
  const marker = seqArgs[0]?.id ?? new Variable(new TensorType('int32', [])).id;
  const outArgs = outputsInfo.flatMap((o, i) => {
    if (!o.initial) return [];
    const state = initialIsState({ taps: o.taps!, stacked: true, final: false }) ? o.initial.type : o.initial.ndim ? rowType(o.initial.type) : fail(`output ${i}'s initial state ${o.initial} is a scalar; with taps [${o.taps!.join(', ')}] it needs one row per step back`);
    return o.taps!.map((k) => new Variable(state, null, 0, `${o.initial!.name ?? `output${i}`}[t${k}]`));
  });
  const firstArgs = [...seqArgs, ...outArgs];
  const result = spec.fn(...firstArgs, ...nonSequences);
  const parsed = parseResult(result, fail);
  if (outputsGiven && parsed.outputs.length !== outputsInfo.length) fail(`the function returned ${parsed.outputs.length} outputs but outputsInfo has ${outputsInfo.length} entries`);
  const infos = outputsGiven ? outputsInfo : parsed.outputs.map((): OutputSpec => ({ initial: null }));
  parsed.outputs.forEach((v, i) => {
    if (!(v instanceof Variable)) fail(`the function's output ${i} is ${String(v)}, not a variable`);
    const init = infos[i]!.initial;
    if (!init) return;
    const tap = outArgs[tapIndex(infos, i)]!;
    const why = tap.type.mismatch(v);
    if (why) fail(`the function's output ${i} is ${v.type} but it is fed back as ${tap.type} (from its initial state ${init}): ${why}; give them the same type`);
  });
  if (parsed.until && parsed.until.ndim !== 0) fail(`the stop condition must be a scalar, not ${parsed.until.type}`);

  // Shared variables the body updates: those it says, and random states it draws from.
  const updates = new Map<SharedVariable, Variable>();
  for (const [sv, v] of parsed.updates) {
    if (!(sv instanceof SharedVariable)) fail(`updates: ${sv} is not a shared variable`);
    if (updates.has(sv)) fail(`updates: ${sv} is updated twice`);
    const why = sv.type.mismatch(v);
    if (why) fail(`the update of ${sv} is ${v.type} but the shared variable is ${sv.type}: ${why}`);
    updates.set(sv, v);
  }
  const drawn = new Set<SharedVariable>();
  const roots = () => [...parsed.outputs, ...updates.values(), ...(parsed.until ? [parsed.until] : [])];
  for (let grew = true; grew;) {
    grew = false;
    for (const v of closeOver('scan', firstArgs, roots(), marker, nonSequences).free) {
      if (v instanceof SharedVariable && !updates.has(v) && v.defaultUpdate && v.defaultUpdate.id >= marker) {
        updates.set(v, v.defaultUpdate);
        drawn.add(v);
        grew = true;
      }
    }
  }
  const updated = [...updates.keys()];
  const stateArgs = updated.map((sv) => new Variable(sv.type, null, 0, `${sv.name ?? 'shared'}[t-1]`));
  const closed = closeOver('scan', [...firstArgs, ...stateArgs], roots(), marker, nonSequences, new Map(updated.map((sv, i) => [sv, stateArgs[i]!])));
  const nUser = parsed.outputs.length;
  // Already in the layout's order: inputs are the sequences' taps, the fed-back taps (the user's
  // outputs', then the shared states'), the non-sequences; outputs the user's, the states', the condition.
  const body = new InnerGraph(closed.inputs, closed.outputs, 'scan');

  const outputInfos: ScanOutputInfo[] = [
    ...infos.map((o) => ({ taps: o.initial ? o.taps! : [], stacked: true, final: false })),
    // Every state is stacked, so that the gradient can read it; rewrites keep only what is used.
    ...updated.map(() => ({ taps: [-1], stacked: true, final: true })),
  ];
  const info: ScanInfo = {
    sequences: sequences.map((s) => ({ taps: s.taps })),
    outputs: outputInfos,
    nonSequences: closed.free.length,
    hasNSteps: nSteps !== null,
    until: parsed.until !== undefined,
    goBackwards: spec.goBackwards ?? false,
    truncateGradient: truncate,
  };
  const node = new Scan(info, body).apply([
    ...(nSteps ? [nSteps] : []),
    ...sequences.map((s) => s.input),
    ...infos.flatMap((o) => (o.initial ? [o.initial] : [])),
    ...updated,
    ...closed.free,
  ], site);
  const op = node.op as Scan;
  const count = info.until ? node.outputs[op.layout.count]! : null;
  const stackedOut = (i: number) => {
    const all = node.outputs[op.layout.stacked(i)]!;
    return count ? subtensor(all, [[0, count]]) : all;
  };
  const outputs = parsed.outputs.map((_, i) => stackedOut(i));
  const scanUpdates: ScanUpdates = updated.map((sv, j) => [sv, node.outputs[op.layout.final(nUser + j)]!]);
  // A random state drawn from inside advances by the whole loop, even when the caller compiles
  // without the returned updates (compile adds a state's default update).
  for (const [sv, v] of scanUpdates) if (drawn.has(sv)) sv.defaultUpdate = v;
  return [parsed.single ? outputs[0]! : outputs, scanUpdates];
}

function listOf<T>(x: T | readonly T[] | undefined): T[] {
  if (x === undefined) return [];
  return Array.isArray(x) ? [...(x as readonly T[])] : [x as T];
}

function checkTaps(taps: readonly number[], what: string, fail: (why: string) => never): void {
  if (!taps.length) fail(`${what} has no taps`);
  if (!taps.every(Number.isInteger)) fail(`${what} has taps [${taps.join(', ')}]; taps are integers`);
  if (new Set(taps).size !== taps.length) fail(`${what} lists a tap twice: [${taps.join(', ')}]`);
}

/** The index among the fed-back placeholders of output i's first tap. */
function tapIndex(infos: readonly OutputSpec[], i: number): number {
  let at = 0;
  for (let k = 0; k < i; k++) at += infos[k]!.initial ? infos[k]!.taps!.length : 0;
  return at;
}

function parseResult(r: StepResult<Variable | readonly Variable[]>, fail: (why: string) => never) {
  const isBundle = (x: unknown): x is Exclude<StepResult<Variable>, Variable | readonly Variable[]> =>
    typeof x === 'object' && x !== null && !(x instanceof Variable) && !Array.isArray(x) && 'outputs' in x;
  const bundle = isBundle(r) ? r : null;
  const outs = bundle ? bundle.outputs : (r as Variable | readonly Variable[]);
  if (!(outs instanceof Variable) && !Array.isArray(outs)) fail(`the function must return a variable, a list of them, or { outputs, until, updates }; it returned ${String(outs)}`);
  return {
    single: outs instanceof Variable,
    outputs: outs instanceof Variable ? [outs] : [...(outs as readonly Variable[])],
    until: bundle?.until,
    updates: [...(bundle?.updates ?? [])],
  };
}
