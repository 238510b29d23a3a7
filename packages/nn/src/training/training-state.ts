import { graphInputs, SharedVariable, type Update, type Variable } from '@hypatia/core';

/**
 * Every shared variable a training step changes: the targets of its updates (parameters, optimiser
 * state, layer statistics) and, as compile adds them, the shared variables with a default update
 * that the step reads (random streams' states), found again in what those updates read. In a fixed
 * order: the updates' order, then the graph's first-seen order.
 */
export function updatedSharedVariables(outputs: readonly Variable[], updates: readonly Update[]): SharedVariable[] {
  const out = updates.map(([v]) => v);
  const seen = new Set(out);
  const exprs = [...outputs, ...updates.map(([, e]) => e)];
  for (let grew = true; grew;) {
    grew = false;
    for (const leaf of graphInputs(exprs)) {
      if (leaf instanceof SharedVariable && leaf.defaultUpdate && !seen.has(leaf)) {
        seen.add(leaf);
        out.push(leaf);
        exprs.push(leaf.defaultUpdate);
        grew = true;
      }
    }
  }
  return out;
}
