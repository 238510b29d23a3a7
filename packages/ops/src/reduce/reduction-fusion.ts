import {
  Composite, Elemwise, ElemwiseSum, input, keepsType, partsOfNode, registerRewrite,
  type FunctionGraph, type GlobalRewrite, type Variable,
} from '@hypatia/core';
import { Sum } from './sum.js';

/**
 * A Sum whose operand is an elementwise node (a Composite, after fusion) used by nothing else
 * becomes one of core's ElemwiseSum nodes: the formula summed in one kernel, its values never
 * stored. Opt-in (`rewrites: {include: ['reduction_fusion']}`): a backend must have a kernel for
 * ElemwiseSum (the reference backend runs its perform).
 */
export function fuseReductions(fg: FunctionGraph, reason = 'reduction_fusion'): void {
  const replaced = new Map<Variable, Variable>();
  for (const node of fg.nodes) {
    if (!(node.op instanceof Sum)) continue;
    const v = node.inputs[0]!;
    const producer = v.owner;
    if (!producer || !(producer.op instanceof Elemwise) || !producer.op.pure || producer.outputs.length !== 1) continue;
    if (fg.clients(v).length !== 1) continue;
    const { axes, keepdims } = node.op;
    const formula = producer.op instanceof Composite
      ? producer.op.formula
      : producer.op.scalarFormula(producer.inputs.map((x, i) => input(i, x.dtype)));
    const op = new ElemwiseSum(formula, producer.inputs.map((x) => x.dtype), axes, keepdims, partsOfNode(producer));
    const fused: Variable = op.apply(producer.inputs.map((x) => replaced.get(x) ?? x), node.site).outputs[0]!;
    if (keepsType(node.outputs[0]!, fused)) replaced.set(node.outputs[0]!, fused);
  }
  fg.replaceAll([...replaced], reason);
}

export const reductionFusion: GlobalRewrite = {
  kind: 'global',
  name: 'reduction_fusion',
  phase: 'fuse',
  order: 10,
  optIn: true,
  run: (fg) => fuseReductions(fg),
};

registerRewrite(reductionFusion);
