import { afterAll, describe, expect, it } from 'vitest';
import { OP_TABLE, compareArrays, kernelNodeCases } from '@hypatia/ops/backend';
import { runProgramWasm } from './run-wasm.js';

/**
 * Every op's kernels, printed as WebAssembly, against its reference `perform`, node by node over
 * the op table's graphs (as given and as the rewrites leave them), as ops' kernels.test.ts does
 * with the JavaScript printer. Nodes whose op has no kernels are counted and skipped.
 */
const ran = new Set<string>();
const skipped = new Set<string>();
let nodesRun = 0;
let nodesSkipped = 0;

describe('op kernels (WebAssembly printer) agree with the reference semantics', () => {
  for (const row of OP_TABLE) {
    it(row.name, async () => {
      for (const { node, inputs: ins, expected } of await kernelNodeCases(row)) {
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
    });
  }

  afterAll(() => {
    expect(nodesRun).toBeGreaterThan(0);
    console.log(`wasm printer: ${nodesRun} nodes of ${ran.size} ops run through WebAssembly; ${nodesSkipped} nodes without kernels (ops: ${[...skipped].sort().join(', ') || 'none'})`);
  });
});
