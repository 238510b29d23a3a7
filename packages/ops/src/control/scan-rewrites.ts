import { InnerGraph, Variable, cloneGraph, registerRewrite, type Apply, type FunctionGraph, type GlobalRewrite } from '@hypatia/core';
import { Subtensor } from '../shape/subtensor.js';
import { Scan } from './scan-op.js';
import type { ScanInfo, ScanOutputInfo } from './scan-info.js';

/**
 * Rewrites of loops (the body itself is optimised by core's `inner_graphs`, as a function graph of
 * its own): work that does not depend on the step leaves the loop, and a loop keeps only the
 * values something reads.
 */

/** A Scan node with some outputs dropped or returned differently, and some non-sequences dropped. */
interface ScanEdit {
  /** Per output: what the node returns of it, or null to drop it (its taps must be unread). */
  readonly outputs: readonly (ScanOutputInfo | null)[];
  /** Non-sequences to drop (unread by the body). */
  readonly dropNonSequences?: ReadonlySet<number>;
  /** Extra non-sequences, as [outer value, inner variable standing for it]. */
  readonly addNonSequences?: readonly (readonly [Variable, Variable])[];
  /** A new body output per old output (and the condition), over the kept inner inputs; default: the old ones. */
  readonly bodyOutputs?: readonly Variable[];
  /** Outputs added after the old ones: a body value each and what the node returns of it (they do not feed back). */
  readonly addOutputs?: readonly (readonly [Variable, ScanOutputInfo])[];
}

/**
 * Rebuild `node` as `edit` says and replace its outputs that survive (and, by `more`, other
 * variables by outputs of the new node: `at(i)` is old output i's index among the new outputs, and
 * added output k's is `at(old outputs) + k`); the caller has checked that nothing dropped is read.
 */
export function applyEdit(
  fg: FunctionGraph, node: Apply & { op: Scan }, edit: ScanEdit, reason: string,
  more?: (rebuilt: Apply & { op: Scan }, at: (i: number) => number) => [Variable, Variable][],
): void {
  const { info, layout, body } = node.op;
  const keptInner: Variable[] = [];
  const outer: Variable[] = [];
  if (info.hasNSteps) outer.push(node.inputs[0]!);
  info.sequences.forEach((s, j) => {
    outer.push(node.inputs[layout.sequence(j)]!);
    s.taps.forEach((_, q) => keptInner.push(body.inputs[layout.innerSequence(j, q)]!));
  });
  for (const i of layout.recurrent) {
    if (!edit.outputs[i]) continue;
    outer.push(node.inputs[layout.initial(i)]!);
    info.outputs[i]!.taps.forEach((_, q) => keptInner.push(body.inputs[layout.innerTap(i, q)]!));
  }
  let nonSequences = 0;
  for (let k = 0; k < info.nonSequences; k++) {
    if (edit.dropNonSequences?.has(k)) continue;
    outer.push(node.inputs[layout.nonSequence(k)]!);
    keptInner.push(body.inputs[layout.innerNonSequence(k)]!);
    nonSequences++;
  }
  for (const [value, inner] of edit.addNonSequences ?? []) {
    outer.push(value);
    keptInner.push(inner);
    nonSequences++;
  }
  const oldOutputs = edit.bodyOutputs ?? body.outputs;
  const added = edit.addOutputs ?? [];
  const innerOutputs = [
    ...info.outputs.flatMap((_, i) => (edit.outputs[i] ? [oldOutputs[i]!] : [])),
    ...added.map(([v]) => v),
    ...(info.until ? [oldOutputs[layout.innerCondition]!] : []),
  ];
  const newInfo: ScanInfo = { ...info, outputs: [...edit.outputs.filter((o): o is ScanOutputInfo => !!o), ...added.map(([, o]) => o)], nonSequences };
  const op = node.op.withInfo(newInfo, new InnerGraph(keptInner, innerOutputs, 'scan'));
  const rebuilt = op.apply(outer, node.site);
  const pairs: [Variable, Variable][] = [];
  let at = 0;
  info.outputs.forEach((_, i) => {
    const e = edit.outputs[i];
    if (e) {
      if (e.stacked && layout.stacked(i) >= 0) pairs.push([node.outputs[layout.stacked(i)]!, rebuilt.outputs[op.layout.stacked(at)]!]);
      if (e.final && layout.final(i) >= 0) pairs.push([node.outputs[layout.final(i)]!, rebuilt.outputs[op.layout.final(at)]!]);
      at++;
    }
  });
  if (info.until) pairs.push([node.outputs[layout.count]!, rebuilt.outputs[op.layout.count]!]);
  const newIndex = [...info.outputs, null].map((_, i) => edit.outputs.slice(0, i).filter(Boolean).length);
  if (more) pairs.push(...more(rebuilt as Apply & { op: Scan }, (i) => newIndex[i]!));
  fg.replaceAll(pairs, reason);
}

export const scanNodes = (fg: FunctionGraph) => fg.nodes.filter((n): n is Apply & { op: Scan } => n.op instanceof Scan);
const used = (fg: FunctionGraph, v: Variable | undefined) => !!v && fg.clients(v).length > 0;

/** The body's inputs that its outputs (those kept, and the condition) read. */
function innerInputsRead(body: InnerGraph, outputs: readonly Variable[]): Set<Variable> {
  const read = new Set<Variable>(outputs);
  const inputs = new Set(body.inputs);
  for (const n of [...body.nodes].reverse()) if (n.outputs.some((o) => read.has(o))) n.inputs.forEach((x) => read.add(x));
  return new Set([...read].filter((v) => inputs.has(v)));
}

/**
 * Loop-invariant code motion: a pure node of the body whose operands are all non-sequences or
 * constants (or such nodes) computes the same value at every step, so it is computed once, before
 * the loop, and the body reads it as a new non-sequence. Non-sequences the body then no longer
 * reads are dropped. It runs early (canonicalize), so what leaves the loop is then optimised with
 * the graph around it.
 */
export const scanHoist: GlobalRewrite = {
  kind: 'global',
  name: 'scan_hoist',
  phase: 'canonicalize',
  order: 50,
  run(fg) {
    for (const node of scanNodes(fg)) {
      const { info, layout, body } = node.op;
      const invariant = new Set<Variable>();
      const outerOf = new Map<Variable, Variable>();
      for (let k = 0; k < info.nonSequences; k++) {
        invariant.add(body.inputs[layout.innerNonSequence(k)]!);
        outerOf.set(body.inputs[layout.innerNonSequence(k)]!, node.inputs[layout.nonSequence(k)]!);
      }
      const isInvariant = (v: Variable) => invariant.has(v) || !v.owner && !body.inputs.includes(v);
      const hoisted: Apply[] = [];
      for (const n of body.nodes) {
        if (!n.op.pure || !n.inputs.every(isInvariant)) continue;
        hoisted.push(n);
        n.outputs.forEach((o) => invariant.add(o));
      }
      if (!hoisted.length) continue;
      // The values the rest of the body (or its outputs) read become non-sequences.
      const hoistedOut = new Set(hoisted.flatMap((n) => n.outputs));
      const frontier = new Set<Variable>();
      for (const n of body.nodes) if (!hoistedOut.has(n.outputs[0]!)) n.inputs.forEach((x) => { if (hoistedOut.has(x)) frontier.add(x); });
      body.outputs.forEach((o) => { if (hoistedOut.has(o)) frontier.add(o); });
      const values = [...frontier];
      const outerValues = cloneGraph(values, outerOf);
      const placeholders = values.map((v) => new Variable(v.type, null, 0, v.name));
      const bodyOutputs = cloneGraph(body.outputs, new Map(values.map((v, i) => [v, placeholders[i]!])));
      const read = innerInputsRead(new InnerGraph([...body.inputs, ...placeholders], bodyOutputs, 'scan'), bodyOutputs);
      const drop = new Set(Array.from({ length: info.nonSequences }, (_, k) => k).filter((k) => !read.has(body.inputs[layout.innerNonSequence(k)]!)));
      applyEdit(fg, node, {
        outputs: info.outputs,
        dropNonSequences: drop,
        addNonSequences: values.map((_, i) => [outerValues[i]!, placeholders[i]!] as const),
        bodyOutputs,
      }, 'scan_hoist');
    }
  },
};
registerRewrite(scanHoist);

/**
 * Keep only what is read (Theano's scan_save_mem): an output nothing reads is no longer stacked or
 * returned; one that does not feed back (or whose taps nothing else reads) leaves the body; a
 * stacked output read only at its last step (`y[-1]`, or `y[:steps][-1]` for a loop with `until`)
 * becomes the loop's final value, kept in a ring of as many rows as its taps need instead of one
 * row per step. So a loop whose gradient is
 * not taken keeps no history, and one whose gradient is keeps the states its backward loop reads.
 */
export const scanSaveMemory: GlobalRewrite = {
  kind: 'global',
  name: 'scan_save_mem',
  phase: 'specialize',
  order: 60,
  run(fg) {
    for (const node of scanNodes(fg)) {
      const { info, layout, body } = node.op;
      // The readers of y[-1] (with until, of y[:steps][-1], the steps run being the loop's own count).
      const lastReaders = (y: Variable): Variable[] | null => {
        const readers = fg.clients(y);
        if (!readers.every(([c]) => c !== 'output' && c.op instanceof Subtensor && c.inputs.length === 1 && isLastRow(c.op))) return null;
        return readers.map(([c]) => (c as Apply).outputs[0]!);
      };
      const lastOnly = info.outputs.map((_, i) => {
        const y = node.outputs[layout.stacked(i)];
        if (!y || !used(fg, y)) return [];
        if (!info.until) return lastReaders(y) ?? [];
        const found: Variable[] = [];
        for (const [c] of fg.clients(y)) {
          if (c === 'output' || !(c.op instanceof Subtensor) || c.inputs[1] !== node.outputs[layout.count] || !isStepsRun(c.op)) return [];
          const last = lastReaders(c.outputs[0]!);
          if (!last) return [];
          found.push(...last);
        }
        return found;
      });
      const outputs: (ScanOutputInfo | null)[] = info.outputs.map((o, i) => ({
        taps: o.taps,
        stacked: o.stacked && used(fg, node.outputs[layout.stacked(i)]) && !lastOnly[i]!.length,
        final: (o.final && used(fg, node.outputs[layout.final(i)])) || lastOnly[i]!.length > 0,
      }));
      // An output nothing returns stays only while a needed output (or the condition) reads its taps.
      const needed = outputs.map((o) => o!.stacked || o!.final);
      for (let grew = true; grew;) {
        grew = false;
        const roots = [...body.outputs.filter((_, i) => needed[i]), ...(info.until ? [body.outputs[layout.innerCondition]!] : [])];
        const read = innerInputsRead(body, roots);
        for (const i of layout.recurrent) {
          if (needed[i] || !info.outputs[i]!.taps.some((_, q) => read.has(body.inputs[layout.innerTap(i, q)]!))) continue;
          needed[i] = true;
          grew = true;
        }
      }
      needed.forEach((n, i) => { if (!n) outputs[i] = null; });
      const same = outputs.every((o, i) => o && o.stacked === info.outputs[i]!.stacked && o.final === info.outputs[i]!.final);
      if (same) continue;
      if (!outputs.some((o) => o)) continue; // nothing read at all: the node is already dead
      applyEdit(fg, node, { outputs }, 'scan_save_mem', (rebuilt, at) => lastOnly.flatMap((readers, i) =>
        readers.map((r): [Variable, Variable] => [r, rebuilt.outputs[rebuilt.op.layout.final(at(i))]!])));
    }
  },
};
registerRewrite(scanSaveMemory);

/** `y[:steps]` with the steps given as the node's first scalar operand, every other axis whole. */
function isStepsRun(op: Subtensor): boolean {
  const [first, ...rest] = op.indices;
  const whole = (a: (typeof rest)[number]) => a.kind === 'slice' && a.start === null && a.stop === null && (a.step === null || a.step === 1);
  return first?.kind === 'slice' && (first.start === null || first.start === 0) && typeof first.stop === 'object' && first.stop?.input === 0
    && (first.step === null || first.step === 1) && rest.every(whole);
}

/** `y[-1]`: the last row along axis 0, every other axis whole. */
export function isLastRow(op: Subtensor): boolean {
  const [first, ...rest] = op.indices;
  return first?.kind === 'index' && first.at === -1 && rest.every((a) => a.kind === 'slice' && a.start === null && a.stop === null && (a.step === null || a.step === 1));
}

