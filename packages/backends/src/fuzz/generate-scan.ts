import { Draft, type Val } from './draft.js';
import { lambda, lit, list, obj, ref, type Arg, type Program, type Stmt } from './program.js';

/**
 * A small recurrent program built with scan: one or two states (the second fed back at tap -1 or
 * at taps [-2, -1]) driven by a sequence, weights read as non-sequences or from the enclosing
 * graph, sometimes noise from a random stream drawn at every step, an early stop (`until`) whose
 * step depends on each call's data, the sequence read backwards, fewer steps than the sequence
 * holds (a number or an int32 argument), a sequence a step longer in one call, only the last state
 * read, and often the cost's gradient through the loop (back-propagation through time, sometimes
 * truncated) updating the weights by SGD. So every backend's loop, its rows, its ring for a state
 * read only at its end and its backward loop are compared with the oracle over several calls.
 */
export function generateScan(d: Draft): void {
  const { rng } = d;
  d.calls = rng.int(3, 4);
  const T = rng.int(2, 6);
  const n = rng.int(1, 3);
  const h = rng.int(1, 4);
  // The sequence's length is T, but sometimes one call is a step longer (a new plan, then back).
  const lengths = new Array<number>(d.calls).fill(T);
  if (rng.chance(0.3)) lengths[rng.int(1, d.calls - 1)] = T + 1;
  const xs = d.input('xs', d.dtype, [T, n], (c) => d.floats([lengths[c]!, n], -1.5, 1.5));
  const W = d.shared('W', [n, h]);
  const U = d.shared('U', [h, h]);
  const h0 = d.input('h0', d.dtype, [h], () => d.floats([h], -0.5, 0.5));
  const second = rng.chance(0.5) ? { taps: rng.chance(0.5) ? [-2, -1] : [-1] } : null;
  const c0 = second ? d.input('c0', d.dtype, second.taps.length === 2 ? [2, h] : [h], () => d.floats(second.taps.length === 2 ? [2, h] : [h], -0.5, 0.5)) : null;
  const srng = rng.chance(0.25) ? d.call('RandomStreams', [rng.int(1, 1000)], [], d.dtype, 'srng') : null;
  const act = rng.pick(['tanh', 'sigmoid'] as const);
  const until = rng.chance(0.3);
  const nonSequences = rng.chance(0.5);

  // The step: fn(x, hPrev, [cOlder,] [cPrev,] [w, u]).
  const body: Stmt[] = [];
  const step = (fn: string, args: (Arg | string | number)[], on?: string): string => {
    const out = d.fresh('s');
    body.push({ out, fn, args: args.map((a) => (typeof a === 'string' ? ref(a) : typeof a === 'number' ? lit(a) : a)), ...(on ? { on } : {}) });
    return out;
  };
  const [x, hPrev] = [d.fresh('x'), d.fresh('hPrev')];
  const cTaps = second ? second.taps.map(() => d.fresh('cPrev')) : [];
  const [w, u] = nonSequences ? [d.fresh('w'), d.fresh('u')] : [W.name, U.name];
  let z = step('add', [step('dot', [x, w]), step('dot', [hPrev, u])]);
  if (second) z = step('add', [z, step('mul', [cTaps.at(-1)!, 0.5])]);
  if (srng) z = step('add', [z, step('uniform', [obj({ size: lit([h]), low: lit(-0.2), high: lit(0.2), dtype: lit(d.dtype) })], srng.name)]);
  const hNew = step(act, [z]);
  const outs = [hNew];
  // c[t] = 0.5 c[t - taps.length] + h[t]: a two-tap state reads the value two steps back.
  if (second) outs.push(step('add', [step('mul', [cTaps[0]!, 0.5]), hNew]));
  let result: Arg = list(...outs.map(ref));
  if (until) {
    const [lo, hi] = act === 'tanh' ? [-0.5 * h, 0.5 * h] : [0.3 * h, 0.7 * h];
    result = obj({ outputs: result, until: ref(step('gt', [step('sum', [hNew]), rng.uniform(lo, hi)])) });
  }
  const params = [x, hPrev, ...cTaps, ...(nonSequences ? [w, u] : [])];

  const spec: Record<string, Arg> = {
    fn: lambda(params, body, result),
    sequences: ref(xs.name),
    outputsInfo: list(ref(h0.name), ...(c0 ? [second!.taps.length === 2 ? obj({ initial: ref(c0.name), taps: lit(second!.taps) }) : ref(c0.name)] : [])),
  };
  if (nonSequences) spec.nonSequences = list(ref(W.name), ref(U.name));
  if (rng.chance(0.3)) spec.goBackwards = lit(true);
  // Fewer steps than the sequence holds: a number, or an int32 argument drawn each call.
  if (rng.chance(0.15)) spec.nSteps = lit(rng.int(1, T));
  else if (rng.chance(0.15)) spec.nSteps = ref(d.input('n', 'int32', [], () => rng.int(1, T)).name);
  const truncate = rng.chance(0.25) ? rng.int(1, T) : null;
  if (truncate !== null) spec.truncateGradient = lit(truncate);
  const [stacked, updates] = [d.fresh('ys'), d.fresh('scanUpdates')];
  d.stmts.push({ out: [stacked, updates], fn: 'scan', args: [obj(spec)] });
  const hs = d.method(stacked, 'at', [0], [T, h], d.dtype);
  const cs = second ? d.method(stacked, 'at', [1], [T, h], d.dtype) : null;

  // Often only the last state is read (a ring of rows, unless the gradient needs them all).
  const last = rng.chance(0.35) ? d.call('subtensor', [hs, list(lit(-1))], [h]) : null;
  const read = last ?? hs;
  let cost = d.call('mean', [d.call('square', [read], read.shape)], []);
  if (cs) cost = d.call('add', [cost, d.call('mean', [cs], [])], []);
  d.outputs.push(cost.name, read.name);
  if (cs && rng.chance(0.5)) d.outputs.push(cs.name);
  if (rng.chance(0.7)) sgd(d, cost, [W, U], rng.chance(0.3) ? h0 : null);
}

/**
 * Whether a program differentiates a loop that may stop early: its backward loop's slice bounds
 * and number of steps come from the steps the forward loop ran, a count the GPU holds, and the
 * WebGPU backend plans those on the host (it refuses most such graphs).
 */
export function differentiatesUntil(p: Program): boolean {
  const loops = p.stmts.filter((s) => s.fn === 'scan').map((s) => (s.args[0] as { obj: Record<string, Arg> }).obj.fn!);
  const until = loops.some((fn) => 'lambda' in fn && 'obj' in fn.lambda.result && 'until' in fn.lambda.result.obj);
  return until && p.stmts.some((s) => s.fn === 'grad');
}

/** SGD on the weights through the loop's gradient; `alsoOutput`'s gradient (an initial state) is an output. */
function sgd(d: Draft, cost: Val, params: Val[], alsoOutput: Val | null): void {
  const lr = d.rng.uniform(0.05, 0.5);
  const grads = d.grad(cost, alsoOutput ? [...params, alsoOutput] : params);
  params.forEach((p, k) => d.updates.push([p.name, d.call('sub', [p, d.call('mul', [grads[k]!, lr], p.shape)], p.shape).name]));
  if (alsoOutput) d.outputs.push(grads.at(-1)!.name);
}
