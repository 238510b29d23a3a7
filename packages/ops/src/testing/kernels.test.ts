import { describe, expect, it } from 'vitest';
import { runProgramJS } from '@hypatia/core';
import { OP_TABLE, compareArrays, kernelNodeCases } from '@hypatia/ops/backend';

/**
 * Every op's kernels, printed as JavaScript, against its reference `perform`, node by node over
 * the op table's graphs (as given and as the rewrites leave them, so fused ops are covered): an
 * op's lowering is checked here before any backend prints it.
 */
describe('op kernels (JavaScript printer) agree with the reference semantics', () => {
  for (const row of OP_TABLE) {
    it(row.name, async () => {
      for (const { node, inputs: ins, expected } of await kernelNodeCases(row)) {
        const program = node.op.kernels?.(node);
        if (!program) continue;
        const got = runProgramJS(node, program, ins);
        expected.forEach((want, k) => {
          expect(compareArrays(want, got[k]!, row.rtol ?? 1e-6, 1e-6), `${node.op} output ${k}`).toBeNull();
        });
      }
    });
  }
});
