/// <reference types="@webgpu/types" />
import type { Variable } from '@hypatia/core';
import { IfElse } from '@hypatia/ops/backend';
import type { GpuTensor } from './buffers.js';
import { ROUTINES, type Step } from './lowering.js';
import { RowCopies, encodeInner, innerShapes, lowerInner, uploadWords } from './inner-steps.js';

/**
 * An IfElse encodes only the branch its condition takes: the branch's steps (lowered once, like
 * the function's nodes) and a copy of its values into the node's outputs. The condition must be
 * known on the host when the branch is encoded; one computed on the GPU is read back first (the
 * call submits what it has encoded, reads the condition, and goes on in a new command buffer).
 */
ROUTINES.set(IfElse, (node, op) => async (device, ctx) => {
  const args = node.inputs.slice(1);
  const known = (at: readonly number[], g: typeof op.thenBranch) => new Set<Variable>(at.flatMap((a, k) => (ctx.onHost(args[a]!) ? [g.inputs[k]!] : [])));
  const [thenSteps, elseSteps, copies] = await Promise.all([
    lowerInner(node, device, op.thenBranch, known(op.thenArgs, op.thenBranch)),
    lowerInner(node, device, op.elseBranch, known(op.elseArgs, op.elseBranch)),
    RowCopies.create(device, node.outputs.map((o) => o.dtype)),
  ]);
  const branch = (cond: GpuTensor) => (Boolean(cond.host!.data[0]) ? { steps: thenSteps, at: op.thenArgs } : { steps: elseSteps, at: op.elseArgs });
  const step: Step = {
    node,
    describe: `${op.toString()} (only the branch taken is encoded${ctx.onHost(node.inputs[0]!) ? '' : '; its condition is read back first'})`,
    readsBack: [0],
    shapes: ([cond, ...rest]) => {
      const { steps, at } = branch(cond!);
      return innerShapes(steps, at.map((a) => rest[a]!));
    },
    encode(pass, [cond, ...rest], outs, ectx) {
      const { steps, at } = branch(cond!);
      const values = encodeInner(steps, pass, at.map((a) => rest[a]!), ectx, new Map(), (a) => uploadWords(ectx, a));
      values.forEach((v, k) => copies.copy(pass, ectx, v.dtype, v.buffer, 0, outs[k]!.buffer, 0, v.size));
    },
  };
  return step;
});
