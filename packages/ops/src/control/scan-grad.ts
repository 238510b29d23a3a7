import {
  Constant, DISCONNECTED, InnerGraph, Variable, cloneGraph, grad, isFloat, zerosLikeOp,
  type GradResult,
} from '@hypatia/core';
import { add, le, minimum, sub, where } from '../elementwise/arithmetic.js';
import { zerosLike } from '../creation/fill.js';
import { shapeOf } from '../creation/shape-of.js';
import { subtensor } from '../shape/subtensor.js';
import { incSubtensor } from '../shape/inc-subtensor.js';
import { concatenate, stack } from '../shape/concatenate.js';
import { expandDims } from '../shape/expand-dims.js';
import { ProductOp } from '../linalg/product-op.js';
import type { Scan } from './scan-op.js';
import { ScanLayout, initialIsState, initialRows, isRecurrent, tapSpan, type ScanInfo, type ScanOutputInfo } from './scan-info.js';

/**
 * The gradient of a Scan: back-propagation through time as another Scan, Theano's way. The
 * backward loop visits the forward steps from the last to the first (`goBackwards`). At the step
 * for forward step s it recomputes the body from what step s read (rows of the sequences, of the
 * stacked states and the non-sequences, all given as its sequences with shifted taps; the body's
 * products of step values are read from the forward loop, which stacks them, not recomputed), and takes
 * the body's vector-Jacobian product with, for each output, its incoming gradient at s plus the
 * gradient carried back from later steps. What it carries: for each float state, one accumulator
 * per tap (the gradient of the state at s - j from the steps already visited), and one sum per
 * float non-sequence; what it stacks: the gradient of each sequence row read. After the loop the
 * accumulators are the gradients of the initial states. With truncateGradient = T the backward
 * loop visits only the last T steps: earlier rows get no gradient, and the initial states get none
 * unless the loop ran at most T steps.
 */
export function scanGrad(op: Scan, inputs: readonly Variable[], outputs: readonly Variable[], gOutputs: readonly Variable[]): GradResult[] {
  const { info, layout, body } = op;
  const result: GradResult[] = inputs.map(() => DISCONNECTED);
  const incoming = (at: number, i: number) => (at >= 0 && isFloat(body.outputs[i]!.dtype) && !isZeros(gOutputs[at]!) ? gOutputs[at]! : null);
  const gStacked = info.outputs.map((_, i) => incoming(layout.stacked(i), i));
  const gFinal = info.outputs.map((_, i) => incoming(layout.final(i), i));
  if (gStacked.every((g) => !g) && gFinal.every((g) => !g)) return result;

  // The backward loop reads every state at every step, and the products the body computes from the
  // step's values, kept rather than recomputed: a twin of the node returns them all, stacked, once
  // the backward body says which products it needs (scan_merge_twins makes the two nodes one loop).
  const products = stepProducts(op);
  let keptProducts: number[] = [];
  let twin: { outputs: readonly Variable[]; layout: ScanLayout } | null = null;
  const forwardNode = () => {
    if (twin) return twin;
    if (!keptProducts.length && layout.recurrent.every((i) => info.outputs[i]!.stacked)) return twin = { outputs, layout };
    const twinInfo: ScanInfo = {
      ...info,
      outputs: [
        ...info.outputs.map((o) => (isRecurrent(o) ? { ...o, stacked: true } : o)),
        ...keptProducts.map((): ScanOutputInfo => ({ taps: [], stacked: true, final: false })),
      ],
    };
    const twinBody = keptProducts.length
      ? new InnerGraph(body.inputs, [...body.outputs.slice(0, info.outputs.length), ...keptProducts.map((k) => products[k]!), ...body.outputs.slice(info.outputs.length)], 'scan')
      : body;
    return twin = { outputs: op.withInfo(twinInfo, twinBody).apply(inputs).outputs, layout: new ScanLayout(twinInfo) };
  };
  const stackedOf = (i: number) => forwardNode().outputs[forwardNode().layout.stacked(i)]!;
  const count = info.until ? outputs[layout.count]! : null;
  const n = count ?? (info.hasNSteps ? inputs[0]! : stepsFromSequences(info, layout, inputs));
  const visited = info.truncateGradient > 0 ? minimum(n, info.truncateGradient) : n;
  const steps = (x: Variable) => (info.until ? subtensor(x, [[0, n]]) : x);
  const reversed = (x: Variable) => subtensor(x, [[null, null, -1]]);

  // The backward loop's sequences: rows G[s + d] for offsets d, read from G[0 : n + max d] backwards at taps max d - d.
  // (Their outer values are built once the forward twin is known, after the backward body.)
  const bwSequences: { input: () => Variable; taps: number[] }[] = [];
  const bwPlaceholders: Variable[][] = [];
  const addSequence = (g: () => Variable, offsets: readonly number[], types: readonly Variable[]) => {
    const maxD = Math.max(...offsets);
    bwSequences.push({ input: () => subtensor(g(), [[0, add(n, maxD)]]), taps: offsets.map((d) => maxD - d) });
    bwPlaceholders.push(types.map((t) => new Variable(t.type, null, 0, t.name)));
  };
  const args: Variable[] = new Array(body.inputs.length);
  for (const i of layout.recurrent) {
    const o = info.outputs[i]!;
    const init = inputs[layout.initial(i)]!;
    const full = () => concatenate([initialIsState(o) ? expandDims(init, 0) : init, steps(stackedOf(i))]);
    const taps = o.taps.map((_, q) => body.inputs[layout.innerTap(i, q)]!);
    addSequence(full, o.taps.map((k) => k + initialRows(o)), taps);
    o.taps.forEach((_, q) => { args[layout.innerTap(i, q)] = bwPlaceholders.at(-1)![q]!; });
  }
  info.sequences.forEach((s, j) => {
    const seq = inputs[layout.sequence(j)]!;
    const m = Math.min(...s.taps);
    addSequence(() => (info.goBackwards ? reversed(seq) : seq), s.taps.map((k) => k - m), s.taps.map((_, q) => body.inputs[layout.innerSequence(j, q)]!));
    s.taps.forEach((_, q) => { args[layout.innerSequence(j, q)] = bwPlaceholders.at(-1)![q]!; });
  });
  const gYPlaceholders = info.outputs.map((_, i) => {
    const g = gStacked[i];
    if (!g) return null;
    addSequence(() => steps(g), [0], [body.outputs[i]!]);
    return bwPlaceholders.at(-1)![0]!;
  });
  const nonSequences = Array.from({ length: info.nonSequences }, (_, k) => {
    const ph = new Variable(body.inputs[layout.innerNonSequence(k)]!.type, null, 0, body.inputs[layout.innerNonSequence(k)]!.name);
    args[layout.innerNonSequence(k)] = ph;
    return ph;
  });

  // Accumulators of the float states: acc[i][j] is the gradient of the state at s - j from the later steps.
  const floatStates = layout.recurrent.filter((i) => isFloat(body.outputs[i]!.dtype));
  const acc = new Map(floatStates.map((i) => {
    const t = body.inputs[layout.innerTap(i, 0)]!;
    return [i, Array.from({ length: initialRows(info.outputs[i]!) }, (_, j) => new Variable(t.type, null, 0, `grad_${t.name ?? 'state'}[t-${j}]`))] as const;
  }));

  // One step backward: the body again, and its vector-Jacobian product.
  const recomputed = cloneGraph([...body.outputs, ...products], new Map(body.inputs.map((v, k) => [v, args[k]!])));
  const forward = recomputed.slice(0, body.outputs.length);
  const recomputedProducts = recomputed.slice(body.outputs.length);
  const seeds: [Variable, Variable][] = [];
  info.outputs.forEach((_, i) => {
    const parts = [gYPlaceholders[i], acc.get(i)?.[0]].filter((p): p is Variable => !!p);
    if (parts.length) seeds.push([forward[i]!, parts.length === 1 ? parts[0]! : add(parts[0]!, parts[1]!)]);
  });
  const wrt = args.filter((a) => isFloat(a.dtype));
  const g = new Map<Variable, Variable | null>();
  grad(null, wrt, { knownGrads: seeds, disconnected: 'none' }).forEach((x, k) => g.set(wrt[k]!, x));
  const gradOf = (ph: Variable) => g.get(ph) ?? null;

  const bwOutputs: { value: Variable; readonly info: ScanOutputInfo; initial?: Variable }[] = [];
  const accFinal = new Map<number, number[]>();
  for (const i of floatStates) {
    const o = info.outputs[i]!;
    const mine = acc.get(i)!;
    const init = inputs[layout.initial(i)]!;
    const zeroState = zerosLike(initialIsState(o) ? init : subtensor(init, [0]));
    accFinal.set(i, mine.map((ph, j) => {
      const q = o.taps.indexOf(-(1 + j));
      const parts = [mine[j + 1], q >= 0 ? gradOf(args[layout.innerTap(i, q)]!) : null].filter((p): p is Variable => !!p);
      const value = parts.length === 2 ? add(parts[0]!, parts[1]!) : parts[0] ?? zerosLike(ph);
      bwOutputs.push({ value, info: { taps: [-1], stacked: false, final: true }, initial: j === 0 && gFinal[i] ? gFinal[i]! : zeroState });
      return bwOutputs.length - 1;
    }));
  }
  const nonSeqFinal = new Map<number, number>();
  nonSequences.forEach((ph, k) => {
    const gp = gradOf(ph);
    if (!gp) return;
    const sum = new Variable(ph.type, null, 0, `grad_${ph.name ?? 'nonsequence'}`);
    acc.set(-1 - k, [sum]);
    bwOutputs.push({ value: add(sum, gp), info: { taps: [-1], stacked: false, final: true }, initial: zerosLike(inputs[layout.nonSequence(k)]!) });
    nonSeqFinal.set(k, bwOutputs.length - 1);
  });
  const seqStacked = new Map<number, number[]>();
  info.sequences.forEach((s, j) => {
    const phs = s.taps.map((_, q) => args[layout.innerSequence(j, q)]!);
    if (!phs.some((ph) => gradOf(ph))) return;
    seqStacked.set(j, phs.map((ph) => {
      bwOutputs.push({ value: gradOf(ph) ?? zerosLike(ph), info: { taps: [], stacked: true, final: false } });
      return bwOutputs.length - 1;
    }));
  });
  if (!bwOutputs.length) return result;

  // The products the backward body still needs are read from the forward loop's stacked values
  // instead (a product's gradient needs its operands, not its value: what reads the value is the
  // recomputed body's path to the gates).
  const read = ancestors(bwOutputs.map((o) => o.value));
  keptProducts = products.flatMap((_, k) => (read.has(recomputedProducts[k]!) ? [k] : []));
  if (keptProducts.length) {
    const replace = new Map<Variable, Variable>();
    keptProducts.forEach((k, at) => {
      addSequence(() => steps(forwardNode().outputs[forwardNode().layout.stacked(info.outputs.length + at)]!), [0], [products[k]!]);
      replace.set(recomputedProducts[k]!, bwPlaceholders.at(-1)![0]!);
    });
    const values = cloneGraph(bwOutputs.map((o) => o.value), replace);
    bwOutputs.forEach((o, k) => { o.value = values[k]!; });
  }

  // The backward Scan, laid out as scan-info.ts says: sequences, carried sums (taps [-1]), non-sequences.
  const carried = [...acc.entries()].sort(([a], [b]) => order(a) - order(b)).flatMap(([, phs]) => phs);
  const bwInfo: ScanInfo = {
    sequences: bwSequences.map((s) => ({ taps: s.taps })),
    outputs: bwOutputs.map((o) => o.info),
    nonSequences: nonSequences.length,
    hasNSteps: true,
    until: false,
    goBackwards: true,
    truncateGradient: -1,
  };
  const bwBody = new InnerGraph([...bwPlaceholders.flat(), ...carried, ...nonSequences], bwOutputs.map((o) => o.value), 'scan gradient');
  const bwOp = op.withInfo(bwInfo, bwBody);
  const bw = bwOp.apply([
    visited,
    ...bwSequences.map((s) => s.input()),
    ...bwOutputs.filter((o) => o.initial).map((o) => o.initial!),
    ...Array.from({ length: info.nonSequences }, (_, k) => inputs[layout.nonSequence(k)]!),
  ]);
  const out = (k: number, kind: 'final' | 'stacked') => bw.outputs[kind === 'final' ? bwOp.layout.final(k) : bwOp.layout.stacked(k)]!;

  for (const i of floatStates) {
    const o = info.outputs[i]!;
    const finals = accFinal.get(i)!.map((k) => out(k, 'final'));
    let gInit = initialIsState(o) ? finals[0]! : stack([...finals].reverse());
    // Truncated: the backward loop reached the initial state only if it visited every step.
    if (info.truncateGradient > 0) gInit = where(le(n, info.truncateGradient), gInit, zerosLike(gInit));
    result[layout.initial(i)] = gInit;
  }
  for (const [k, at] of nonSeqFinal) result[layout.nonSequence(k)] = out(at, 'final');
  for (const [j, ats] of seqStacked) {
    const seq = inputs[layout.sequence(j)]!;
    const s = info.sequences[j]!;
    const m = Math.min(...s.taps);
    let gSeq = zerosLike(seq);
    ats.forEach((at, q) => {
      // Backward step t is forward step n - 1 - t, which read row n - 1 - t + d.
      const d = s.taps[q]! - m;
      gSeq = incSubtensor(subtensor(gSeq, [[add(sub(n, visited), d), add(n, d)]]), reversed(out(at, 'stacked')));
    });
    result[layout.sequence(j)] = info.goBackwards ? reversed(gSeq) : gSeq;
  }
  return result;
}

/** Carried sums in the order their outputs were made: the states' (by output), then the non-sequences'. */
function order(key: number): number {
  return key >= 0 ? key : 1e9 - key;
}

/**
 * The body's products of values that change from step to step (not hoistable, not returned): what
 * the backward loop would recompute at a product's cost each step.
 */
function stepProducts(op: Scan): Variable[] {
  const { layout, body } = op;
  const varying = new Set<Variable>(body.inputs.slice(0, layout.innerNonSequence(0)));
  const found: Variable[] = [];
  for (const n of body.nodes) {
    if (!n.inputs.some((x) => varying.has(x))) continue;
    n.outputs.forEach((o) => varying.add(o));
    const y = n.outputs[0]!;
    if (n.op instanceof ProductOp && isFloat(y.dtype) && !body.outputs.includes(y)) found.push(y);
  }
  return found;
}

/** Every variable `outputs` are computed from, themselves included. */
function ancestors(outputs: readonly Variable[]): Set<Variable> {
  const seen = new Set<Variable>();
  const todo = [...outputs];
  while (todo.length) {
    const v = todo.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (v.owner) todo.push(...v.owner.inputs);
  }
  return seen;
}

/** The number of steps a scan without nSteps runs: the shortest sequence, less its taps' span. */
export function stepsFromSequences(info: ScanInfo, layout: ScanLayout, inputs: readonly Variable[]): Variable {
  const lengths = info.sequences.map((s, j) => sub(shapeOf(inputs[layout.sequence(j)]!, 0), tapSpan(s.taps)));
  return lengths.reduce((a, b) => minimum(a, b));
}

/** A gradient known to be zero: what grad passes for an output the cost does not use. */
function isZeros(g: Variable): boolean {
  if (g.owner?.op === zerosLikeOp) return true;
  return g instanceof Constant && g.value.data.every((x) => x === 0);
}
