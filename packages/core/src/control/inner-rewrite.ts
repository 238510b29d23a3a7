import { FunctionGraph } from '../graph/fgraph.js';
import { optimize, registerRewrite, type GlobalRewrite, type RewriteOptions } from '../rewrite/registry.js';
import { InnerGraph, holdsInnerGraphs } from './inner-graph.js';

/** An inner graph after the pipeline (the same options as the graph around it): a new graph, or the same one when nothing changed. */
export function optimizeInner(graph: InnerGraph, options: RewriteOptions): InnerGraph {
  const { inputs, outputs } = graph.copy();
  const fg = new FunctionGraph(inputs, outputs);
  optimize(fg, options);
  const result = new InnerGraph(inputs, fg.outputs);
  return result.key() === graph.key() ? graph : result;
}

/**
 * The pipeline sees into the graphs ops hold (a loop's body, a conditional's branches): each is
 * optimised as a function graph of its own, with the options of the graph around it, so a loop
 * body is canonicalised, stabilised and fused as a function would be. It runs after the outer
 * graph's stabilisation and before its late merge, so two loops whose bodies became equal merge.
 * Nested inner graphs are optimised by the same rule, run on the inner graph's own pipeline.
 */
export const innerGraphsRewrite: GlobalRewrite = {
  kind: 'global',
  name: 'inner_graphs',
  phase: 'specialize',
  order: 50,
  run(fg, options) {
    for (const node of fg.nodes) {
      const op = node.op;
      if (!holdsInnerGraphs(op)) continue;
      const graphs = op.innerGraphs.map((g) => optimizeInner(g, options));
      if (graphs.every((g, i) => g === op.innerGraphs[i])) continue;
      const rebuilt = op.withInnerGraphs(graphs).apply(node.inputs, node.site);
      fg.replaceAll(node.outputs.map((o, i) => [o, rebuilt.outputs[i]!] as const), 'inner_graphs');
    }
  },
};
registerRewrite(innerGraphsRewrite);
