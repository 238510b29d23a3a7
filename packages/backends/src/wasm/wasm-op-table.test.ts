import { afterAll, describe, expect, it } from 'vitest';
import { Constant, SharedVariable, compile, toposort, type Apply, type Backend, type NDArray, type Variable } from '@hypatia/core';
import { OP_TABLE, compareArrays, innerGraphRuns } from '@hypatia/ops/backend';
import { runProgramWasm } from './run-wasm.js';

/**
 * Every op's kernels, printed as WebAssembly, against its reference `perform`, node by node over
 * the op table's graphs (as given and as the rewrites leave them), as ops' kernels.test.ts does
 * with the JavaScript printer. Nodes whose op has no kernels are counted and skipped.
 */
interface NodeCase { node: Apply; inputs: NDArray[]; expected: NDArray[] }

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

const ran = new Set<string>();
const skipped = new Set<string>();
let nodesRun = 0;
let nodesSkipped = 0;

describe('op kernels (WebAssembly printer) agree with the reference semantics', () => {
  for (const row of OP_TABLE) {
    it(row.name, async () => {
      const { inputs, outputs } = row.build();
      const args = row.args();
      const optimised = (await compile({ inputs, outputs, backend: graphOnly })).graph;
      for (const graph of [{ inputs, outputs }, { inputs: [...optimised.inputs], outputs: [...optimised.outputs] }]) {
        for (const { node, inputs: ins, expected } of nodeCases(graph.outputs, graph.inputs, args)) {
          const program = node.op.kernels?.(node);
          if (!program) {
            skipped.add(node.op.name);
            nodesSkipped++;
            continue;
          }
          const got = runProgramWasm(node, program, ins);
          nodesRun++;
          ran.add(node.op.name);
          expected.forEach((want, k) => {
            expect(compareArrays(want, got[k]!, row.rtol ?? 1e-6, 1e-6), `${node.op} output ${k}`).toBeNull();
          });
        }
      }
    });
  }

  afterAll(() => {
    expect(nodesRun).toBeGreaterThan(0);
    console.log(`wasm printer: ${nodesRun} nodes of ${ran.size} ops run through WebAssembly; ${nodesSkipped} nodes without kernels (ops: ${[...skipped].sort().join(', ') || 'none'})`);
  });
});
