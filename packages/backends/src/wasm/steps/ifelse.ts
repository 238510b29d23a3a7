import { shapeSize, type DType } from '@hypatia/core';
import { IfElse } from '@hypatia/ops/backend';
import { truthKernel } from '../routines/loop-wasm.js';
import { wasmFamily, type WasmStep } from '../wasm-step.js';
import { InnerRun, copyElements, copyFunction, planInner, type InnerProgram } from './inner-program.js';

interface IfElseStep extends WasmStep { op: IfElse; branches: readonly [InnerProgram, InnerProgram]; truth: number; copies: ReadonlyMap<DType, number> }

/**
 * An IfElse runs only the branch its condition takes: that branch's steps (in the same module) and
 * a copy of its values into the node's outputs. A truth kernel records which way the condition
 * went, so a replay runs the recorded branch in the same call into the module, and a call whose
 * condition goes the other way fails that check and runs on the JS path, which records a plan for
 * that branch (a function keeps a few plans).
 */
export const ifelseBranch = wasmFamily<IfElseStep>({
  kind: 'branch',
  output: 'kernel',
  plan(node, table) {
    const op = node.op;
    if (!(op instanceof IfElse)) return null;
    const then = planInner(op.thenBranch, table);
    const otherwise = planInner(op.elseBranch, table);
    if (!then || !otherwise) return null;
    const dtypes = new Set<DType>(node.outputs.map((o) => o.dtype));
    return {
      node, op, branches: [then, otherwise], truth: table.kernel(truthKernel(node.inputs[0]!.dtype)),
      copies: new Map([...dtypes].map((d) => [d, copyFunction(table, d)])),
    };
  },
  run(s, [cond, ...args], ctx) {
    const taken = Boolean(ctx.value(cond!).data[0]) ? 0 : 1;
    ctx.launch(s.truth, [cond!.block], [taken === 0 ? 1 : 0]);
    const at = taken === 0 ? s.op.thenArgs : s.op.elseArgs;
    const values = new InnerRun(s.branches[taken]!, s.node).run(at.map((a) => args[a]!), ctx);
    return values.map((v, k) => {
      const out = ctx.allocate(s.node, v.dtype, v.shape, k);
      copyElements(ctx, s.copies.get(v.dtype)!, v.block, out.block, shapeSize(v.shape));
      return out;
    });
  },
  note: (s) => `(then: ${s.branches[0].steps.length} nodes, else: ${s.branches[1].steps.length} nodes; only the branch taken runs)`,
});
