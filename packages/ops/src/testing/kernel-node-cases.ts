import { Constant, SharedVariable, compile, toposort, type Apply, type Backend, type NDArray, type Variable } from '@hypatia/core';
import { innerGraphRuns } from './inner-graph-runs.js';
import type { OpCase } from './op-case.js';

/** One node with its operands and what its reference `perform` returns for them. */
export interface NodeCase { node: Apply; inputs: NDArray[]; expected: NDArray[] }

function nodeCases(outputs: readonly Variable[], inputs: readonly Variable[], args: readonly NDArray[]): NodeCase[] {
  const values = new Map<Variable, NDArray>(inputs.map((v, i) => [v, args[i]!]));
  const value = (v: Variable): NDArray => values.get(v) ?? (v instanceof Constant ? v.value : (v as SharedVariable).get());
  const cases: NodeCase[] = [];
  for (const node of toposort(outputs, new Set(inputs))) {
    const ins = node.inputs.map(value);
    const outs = node.op.perform(ins, node);
    node.outputs.forEach((o, i) => values.set(o, outs[i]!));
    cases.push({ node, inputs: ins, expected: outs });
    // A loop's body (at its first step) and a branch taken are checked node by node too.
    for (const run of innerGraphRuns(node, ins)) cases.push(...nodeCases(run.graph.outputs, run.graph.inputs, run.inputs));
  }
  return cases;
}

/** Compiles nothing: hands back the optimised graph, with the opt-in fusions every compiled backend runs. */
const graphOnly: Backend = {
  name: 'graph-only',
  supportedRewrites: ['producer_fusion', 'product_epilogue'],
  lower: () => ({ kernelCount: 0, describe: () => '', run: () => { throw new Error('graph-only backend'); } }),
};

/**
 * Every node of an op-table row's graph, as given and as the rewrites leave it (so fused ops are
 * covered), with its operands at the row's arguments and its reference results: what a printer's
 * test runs each node's kernels on, node by node.
 */
export async function kernelNodeCases(row: OpCase): Promise<NodeCase[]> {
  const { inputs, outputs } = row.build();
  const args = row.args();
  const optimised = (await compile({ inputs, outputs, backend: graphOnly })).graph;
  return [{ inputs, outputs }, { inputs: [...optimised.inputs], outputs: [...optimised.outputs] }]
    .flatMap((graph) => nodeCases(graph.outputs, graph.inputs, args));
}
