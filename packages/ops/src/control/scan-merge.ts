import { registerRewrite, type Apply, type GlobalRewrite, type Variable } from '@hypatia/core';
import type { Scan } from './scan-op.js';
import { scanNodes } from './scan-rewrites.js';

/**
 * A loop and its twin become one: a node whose body computes the same values from the same inputs
 * as another's, which returns more (more of its outputs stacked, more outputs: the gradient's twin
 * of a forward loop, which stacks what the backward loop reads), is that other node's outputs. So
 * the forward loop runs once, returning what the cost and the backward loop both read. It runs
 * first among the loops' rewrites, while the twins still share their bodies' variables.
 */
export const scanMergeTwins: GlobalRewrite = {
  kind: 'global',
  name: 'scan_merge_twins',
  phase: 'canonicalize',
  order: 40,
  run(fg) {
    const merged = new Set<Apply>();
    for (const small of scanNodes(fg)) {
      if (merged.has(small)) continue;
      const big = scanNodes(fg).find((b) => b !== small && !merged.has(b) && returnsAllOf(b, small));
      if (!big) continue;
      const s = small.op;
      const b = big.op;
      const pairs: [Variable, Variable][] = [];
      s.info.outputs.forEach((o, i) => {
        if (o.stacked) pairs.push([small.outputs[s.layout.stacked(i)]!, big.outputs[b.layout.stacked(i)]!]);
        if (o.final) pairs.push([small.outputs[s.layout.final(i)]!, big.outputs[b.layout.final(i)]!]);
      });
      if (s.info.until) pairs.push([small.outputs[s.layout.count]!, big.outputs[b.layout.count]!]);
      merged.add(small);
      fg.replaceAll(pairs, 'scan_merge_twins');
    }
  },
};
registerRewrite(scanMergeTwins);

/** Whether `big` computes every output of `small` (the same body values from the same inputs) and returns at least what `small` does. */
function returnsAllOf(big: Apply & { op: Scan }, small: Apply & { op: Scan }): boolean {
  const [b, s] = [big.op, small.op];
  const { info: bi } = b;
  const { info: si } = s;
  if (big.inputs.length !== small.inputs.length || big.inputs.some((v, k) => v !== small.inputs[k])) return false;
  if (bi.hasNSteps !== si.hasNSteps || bi.until !== si.until || bi.goBackwards !== si.goBackwards || bi.truncateGradient !== si.truncateGradient || bi.nonSequences !== si.nonSequences) return false;
  if (bi.sequences.length !== si.sequences.length || bi.sequences.some((q, j) => q.taps.join() !== si.sequences[j]!.taps.join())) return false;
  if (bi.outputs.length < si.outputs.length) return false;
  const sameOutput = si.outputs.every((o, i) => {
    const p = bi.outputs[i]!;
    return p.taps.join() === o.taps.join() && (p.stacked || !o.stacked) && (p.final || !o.final) && b.body.outputs[i] === s.body.outputs[i];
  });
  if (!sameOutput || bi.outputs.slice(si.outputs.length).some((o) => o.taps.length)) return false;
  if (si.until && b.body.outputs[b.layout.innerCondition] !== s.body.outputs[s.layout.innerCondition]) return false;
  return b.body.inputs.length === s.body.inputs.length && b.body.inputs.every((v, k) => v === s.body.inputs[k]);
}
