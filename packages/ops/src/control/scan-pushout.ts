import { isFloat, registerRewrite, type Apply, type GlobalRewrite, type Variable } from '@hypatia/core';
import { add, mul } from '../elementwise/arithmetic.js';
import { Cast, castTo } from '../elementwise/broadcast.js';
import { shapeOf } from '../creation/shape-of.js';
import { Dot } from '../linalg/dot.js';
import { dimshuffle } from '../shape/dimshuffle.js';
import { reshape } from '../shape/reshape.js';
import { isApplyOf } from '../util/is-apply-of.js';
import type { Scan } from './scan-op.js';
import { stepsFromSequences } from './scan-grad.js';
import { Subtensor, subtensor } from '../shape/subtensor.js';
import { applyEdit, isLastRow, scanNodes } from './scan-rewrites.js';
import type { ScanOutputInfo } from './scan-info.js';

/** Where the loop's rows of one product operand come from after the loop. */
type RowSource =
  | { readonly kind: 'sequence'; readonly j: number; readonly offset: number }
  | { readonly kind: 'output'; readonly i: number }
  | { readonly kind: 'added'; readonly k: number };

interface PushedSum {
  /** The accumulator's output. */
  readonly i: number;
  /** What read its value after the loop: its final value, and y[-1] of its stacked steps. */
  readonly readers: readonly Variable[];
  readonly dot: Apply & { op: Dot };
  readonly a: RowSource;
  readonly b: RowSource;
}

/**
 * Theano's scan_pushout_dot1: an output that only accumulates a product of per-step matrices,
 * `acc_t = acc_{t-1} + op(A_t)·op(B_t)`, read only after the loop (its final value, or `y[-1]`),
 * becomes one product after it:
 * the sum over steps of `[M, K]·[K, N]` products is the product of the steps' operands joined
 * along K (`[M, T·K]·[T·K, N]`). The loop stacks the operands it computes (a sequence's rows are
 * read from the sequence itself), and one large product replaces T thin ones, which a gemm runs far
 * closer to its peak; the weight gradient of a recurrent layer's backward loop is this sum.
 * Not pushed out: an accumulator the body reads for anything else, one returned at every step, a
 * loop with `until` (its steps run are known only at the end), an operand that does not change from
 * step to step or that is another state of the loop.
 */
export const scanPushoutDot: GlobalRewrite = {
  kind: 'global',
  name: 'scan_pushout_dot',
  phase: 'canonicalize',
  order: 55,
  run(fg) {
    for (const node of scanNodes(fg)) {
      const { info, layout, body } = node.op;
      if (info.until) continue;
      const reads = new Map<Variable, number>();
      for (const n of body.nodes) for (const x of n.inputs) reads.set(x, (reads.get(x) ?? 0) + 1);
      for (const o of body.outputs) reads.set(o, (reads.get(o) ?? 0) + 1);
      const outputsEdit: (ScanOutputInfo | null)[] = [...info.outputs];
      const added: [Variable, ScanOutputInfo][] = [];
      const sources = new Map<Variable, RowSource>();
      const sequenceTap = new Map<Variable, RowSource>();
      info.sequences.forEach((s, j) => s.taps.forEach((k, q) => {
        sequenceTap.set(body.inputs[layout.innerSequence(j, q)]!, { kind: 'sequence', j, offset: k - Math.min(...s.taps) });
      }));
      const inputs = new Set(body.inputs);
      const sourceOf = (v: Variable): RowSource | null => {
        const known = sources.get(v) ?? sequenceTap.get(v);
        if (known) return known;
        // A value of the step: computed by the body (a constant or non-sequence does not change, a state's tap is another buffer).
        if (!v.owner || inputs.has(v)) return null;
        const i = body.outputs.findIndex((o, k) => o === v && k < info.outputs.length && !info.outputs[k]!.taps.length);
        const src: RowSource = i >= 0 ? { kind: 'output', i } : { kind: 'added', k: added.length };
        if (i >= 0) outputsEdit[i] = { ...outputsEdit[i]!, stacked: true };
        else added.push([v, { taps: [], stacked: true, final: false }]);
        sources.set(v, src);
        return src;
      };
      // The accumulator's value after the loop, and y[-1]s of its steps: null if anything reads the steps otherwise.
      const afterLoopReaders = (i: number): Variable[] | null => {
        const found: Variable[] = [];
        if (info.outputs[i]!.final) found.push(node.outputs[layout.final(i)]!);
        if (info.outputs[i]!.stacked) {
          for (const [c] of fg.clients(node.outputs[layout.stacked(i)]!)) {
            if (c === 'output' || !(c.op instanceof Subtensor) || c.inputs.length !== 1 || !isLastRow(c.op)) return null;
            found.push(c.outputs[0]!);
          }
        }
        return found.some((v) => fg.clients(v).length) ? found : null;
      };
      const pushed: PushedSum[] = [];
      info.outputs.forEach((o, i) => {
        if (o.taps.length !== 1 || o.taps[0] !== -1) return;
        const readers = afterLoopReaders(i);
        if (!readers) return;
        const acc = body.inputs[layout.innerTap(i, 0)]!;
        const value = body.outputs[i]!;
        if (!isFloat(value.dtype) || reads.get(acc) !== 1 || !isApplyOf(value.owner, add.op)) return;
        const [x, y] = value.owner.inputs as [Variable, Variable];
        let term = x === acc ? y : y === acc ? x : null;
        // A product in another float dtype cast to the accumulator's: the cast moves out with the sum.
        if (term?.owner?.op instanceof Cast && reads.get(term) === 1 && isFloat(term.owner.inputs[0]!.dtype)) term = term.owner.inputs[0]!;
        const dot = term?.owner;
        if (!term || reads.get(term) !== 1 || !dot || !(dot.op instanceof Dot)) return;
        if (dot.inputs.some((v) => v.ndim !== 2 || v === acc)) return;
        const [a, b] = [sourceOf(dot.inputs[0]!), sourceOf(dot.inputs[1]!)];
        if (!a || !b) return;
        pushed.push({ i, readers, dot: dot as Apply & { op: Dot }, a, b });
        outputsEdit[i] = null;
      });
      if (!pushed.length) continue;
      const n = info.hasNSteps ? node.inputs[0]! : stepsFromSequences(info, layout, node.inputs);
      applyEdit(fg, node, { outputs: outputsEdit, addOutputs: added }, 'scan_pushout_dot', (rebuilt, at) => {
        const rows = (src: RowSource): Variable => {
          if (src.kind === 'output') return rebuilt.outputs[rebuilt.op.layout.stacked(at(src.i))]!;
          if (src.kind === 'added') return rebuilt.outputs[rebuilt.op.layout.stacked(at(info.outputs.length) + src.k)]!;
          const seq = node.inputs[layout.sequence(src.j)]!;
          // Step t reads row t + offset of the sequence (of the reversed sequence when going backwards).
          return subtensor(info.goBackwards ? subtensor(seq, [[null, null, -1]]) : seq, [[src.offset, add(n, src.offset)]]);
        };
        return pushed.flatMap(({ i, readers, dot, a, b }): [Variable, Variable][] => {
          const { transA, transB } = dot.op;
          // op(A) joined along its columns, op(B) along its rows: the stacked rows [T, K, .] as [T·K, .]
          // where K is the operand's first axis, else moved behind the other axis first.
          const joined = (stack: Variable, kFirst: boolean) => (kFirst
            ? reshape(stack, [mul(shapeOf(stack, 0), shapeOf(stack, 1)), shapeOf(stack, 2)])
            : reshape(dimshuffle(stack, 1, 0, 2), [shapeOf(stack, 1), mul(shapeOf(stack, 0), shapeOf(stack, 2))]));
          const product = new Dot(transA, transB).call(joined(rows(a), transA), joined(rows(b), !transB));
          const value = castTo(add(node.inputs[layout.initial(i)]!, product), body.outputs[i]!.dtype);
          return readers.map((r): [Variable, Variable] => [r, value]);
        });
      });
    }
  },
};
registerRewrite(scanPushoutDot);
