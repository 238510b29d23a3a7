import { keepsType, registerRewrite, type LocalRewrite } from '@hypatia/core';
import { DimShuffle } from '../shape/dimshuffle.js';
import { Sum } from './sum.js';
import { Prod } from './prod.js';

/**
 * dimshuffle(sum(x, axes, keepdims=true)) that drops exactly the kept length-1 axes, in order ->
 * sum(x, axes): what a broadcast operand's gradient (sumToShape, then a drop of the broadcast axes)
 * builds for every bias. Only when the dimshuffle is the reduction's one reader, so nothing is
 * reduced twice. Also for prod.
 */
export const reduceKeepdimsDimshuffle: LocalRewrite<DimShuffle> = {
  kind: 'local',
  name: 'reduce_keepdims_dimshuffle',
  phase: 'canonicalize',
  tracks: [DimShuffle],
  apply(node, fg) {
    const inner = node.inputs[0]!.owner;
    const op = inner?.op;
    if (!inner || !(op instanceof Sum || op instanceof Prod)) return null;
    const { axes, keepdims } = op;
    if (!keepdims || fg.clients(inner.outputs[0]!).length !== 1) return null;
    const { pattern } = node.op;
    const keptAxes = inner.outputs[0]!.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    if (pattern.length !== keptAxes.length || pattern.some((p, i) => p !== keptAxes[i])) return null;
    const reduction = op instanceof Sum ? new Sum(axes, false) : new Prod(axes, false);
    const result = reduction.apply([inner.inputs[0]!], inner.site).outputs[0]!;
    return keepsType(node.outputs[0]!, result) ? [result] : null;
  },
};

registerRewrite(reduceKeepdimsDimshuffle);
