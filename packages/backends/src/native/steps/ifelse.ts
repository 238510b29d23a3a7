import { shapeSize, type DType } from '@hypatia/core';
import { IfElse } from '@hypatia/ops/backend';
import { family, type NativeStep } from '../step-family.js';
import { InnerRun, copyElements, copyKernel, innerHostOps, planInner, type InnerProgram } from './inner-program.js';

interface IfElseStep extends NativeStep { op: IfElse; branches: readonly [InnerProgram, InnerProgram]; runs: readonly [InnerRun, InnerRun]; copies: ReadonlyMap<DType, number> }

/**
 * An IfElse runs only the branch its condition takes: that branch's steps (planned into the same
 * addon) and a copy of its values into the node's outputs. The recorder notes which way the
 * condition went (TRUTH), so a replay runs the recorded branch in the same native call as the
 * rest, and a call whose condition goes the other way runs on the JS path, which records a plan
 * for that branch (a function keeps a few plans).
 */
export const ifelseBranch = family<IfElseStep>({
  kind: 'branch',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof IfElse)) return null;
    const branches = [planInner(op.thenBranch, kernels), planInner(op.elseBranch, kernels)] as const;
    const dtypes = new Set<DType>(node.outputs.map((o) => o.dtype));
    return { node, op, branches, runs: [new InnerRun(branches[0]), new InnerRun(branches[1])], copies: new Map([...dtypes].map((d) => [d, copyKernel(kernels, d)])) };
  },
  run(s, [cond, ...args], ctx) {
    ctx.truth(cond!);
    const taken = Boolean(cond!.data[0]) ? 0 : 1;
    const at = taken === 0 ? s.op.thenArgs : s.op.elseArgs;
    const values = s.runs[taken]!.run(at.map((a) => args[a]!), ctx);
    return values.map((v, k) => {
      const out = ctx.allocate(s.node, v.dtype, v.shape, k);
      copyElements(ctx, s.copies.get(v.dtype)!, v.data, out.data, shapeSize(v.shape));
      return out;
    });
  },
  note: (s) => {
    const host = [...innerHostOps(s.branches[0]), ...innerHostOps(s.branches[1])];
    return `(then: ${s.branches[0].steps.length} nodes, else: ${s.branches[1].steps.length} nodes; only the branch taken runs${host.length ? `; host ops ${host.join(', ')} keep it on the JS path` : ''})`;
  },
});


