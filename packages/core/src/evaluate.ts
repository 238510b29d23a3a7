import { HypatiaError } from './errors.js';
import { Constant, SharedVariable, type Variable } from './graph/variable.js';
import { toposort } from './graph/traverse.js';
import type { NDArray } from './ndarray.js';

/**
 * Interpret a graph on the host with each op's reference semantics. Used for constant folding,
 * `verifyGrad` and quick checks; compiled functions go through a backend instead.
 */
export function evaluate(outputs: readonly Variable[], inputs: ReadonlyMap<Variable, NDArray> = new Map()): NDArray[] {
  const values = new Map<Variable, NDArray>(inputs);
  const leaf = (v: Variable): NDArray => {
    const known = values.get(v);
    if (known) return known;
    if (v instanceof Constant) return v.value;
    if (v instanceof SharedVariable) return v.get();
    throw new HypatiaError('evaluate', `no value given for input ${v} (${v.type})`, v.site);
  };
  for (const node of toposort(outputs, new Set(inputs.keys()))) {
    const outs = node.op.perform(node.inputs.map(leaf), node);
    node.outputs.forEach((o, i) => values.set(o, outs[i]!));
  }
  return outputs.map(leaf);
}
