import { HypatiaError } from '@hypatia/core';
import { RandomOp } from '@hypatia/ops';
import { randomKernelC } from '../kernels/random-c.js';
import { family, type NativeStep } from '../step-family.js';

interface RandomStep extends NativeStep { kernel: number; op: RandomOp }

/**
 * A draw from a random stream: one kernel reads the state (and p), writes the sample and the
 * advanced state, the node's two outputs. The state's values never reach JS, so a replay draws
 * on from wherever the previous call left the stream.
 */
export const random = family<RandomStep>({
  kind: 'random',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof RandomOp)) return null;
    const key = `random_${op.distribution}:${op.dtype}:${op.n}`;
    return { node, op, kernel: kernels.get(key, (name) => randomKernelC(name, op.distribution, op.dtype, op.n)) };
  },
  run(s, ins, ctx) {
    const { op, node } = s;
    const state = ins[0]!;
    if (state.size !== 4) throw new HypatiaError(op.name, `the state has ${state.size} elements; it must have 4 (key0, key1, counterLo, counterHi)`, node.site);
    const shape = op.shape ?? ins[ins.length - 1]!.shape;
    const next = ctx.allocate(node, 'int32', [4], 0);
    const sample = ctx.allocate(node, op.dtype, shape, 1);
    const p = op.distribution === 'binomial' ? [ins[1]!.data] : [];
    ctx.launch(s.kernel, [state.data, ...p, next.data, sample.data], Float64Array.of(sample.size));
    return [next, sample];
  },
});
