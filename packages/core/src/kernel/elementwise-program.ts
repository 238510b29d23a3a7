import type { Apply } from '../graph/apply.js';
import { broadcastStrides, elementwiseRunShape } from '../elemwise.js';
import { stridesOf } from '../ndarray.js';
import { input, type ScalarExpr } from '../scalar/expr.js';
import { E, I, KernelBuilder } from './builder.js';
import { collapseAxes } from './collapse.js';
import type { KernelProgram } from './program.js';

/**
 * An elementwise node's program: one kernel applying its formula at every point of the output,
 * each operand read through its broadcast strides. The plan checks the shapes as the reference
 * does (naming the user's node, even inside a fused group) and merges axes contiguous for every
 * operand, so a contiguous call is one long row.
 * Parameters: the extents, the output's strides, then the strides of each operand that is not a
 * scalar.
 */
export function elementwiseProgram(node: Apply, formula: ScalarExpr = formulaOf(node)): KernelProgram {
  const rank = node.outputs[0]!.ndim;
  const k = new KernelBuilder(`ew_${node.op.name.replace(/\W/g, '_')}`);
  const ins = node.inputs.map((v) => k.input(v.dtype));
  const out = k.output(node.outputs[0]!.dtype);
  const extents = k.params(rank);
  const outStrides = k.params(rank);
  // An operand whose every declared length is 1 (a scalar, a learning rate) is one element at every
  // point: it is read at 0, which a printer loads once rather than walking a zero stride.
  const scalar = node.inputs.map((v) => v.type.shape.every((d) => d === 1));
  const inStrides = ins.map((_, i) => (scalar[i] ? [] : k.params(rank)));
  const vars = k.space(...extents);
  k.store(out, I.strided(vars, outStrides), E.formula(formula, ins.map((b, i) => b.at(scalar[i] ? 0 : I.strided(vars, inStrides[i]!)))));
  const kernel = k.build();
  return {
    kernels: [kernel],
    plan(operands) {
      const shape = elementwiseRunShape(node, operands.map((o) => o.shape));
      const c = collapseAxes(shape, [stridesOf(shape), ...operands.map((o) => broadcastStrides(o.shape, shape))]);
      return {
        outputs: [shape],
        launches: [{ kernel: 0, buffers: [...operands.map((_, i) => ({ input: i })), { output: 0 }], params: [...c.shape, ...c.strides[0]!, ...c.strides.slice(1).filter((_, i) => !scalar[i]).flat()] }],
      };
    },
  };
}

function formulaOf(node: Apply): ScalarExpr {
  const f = node.op.scalarFormula?.(node.inputs.map((v, i) => input(i, v.dtype)), node);
  if (!f) throw new Error(`${node.op.name} has no scalar formula`);
  return f;
}
