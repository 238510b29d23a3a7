import { Constant, NDArray, type Apply, type LowerSpec, type Variable } from '@hypatia/core';
import { RandomOp, Shape, ShapeAt } from '@hypatia/ops';
import type { GpuTensor } from './buffers.js';
import type { Step } from './lowering.js';

/**
 * Host-side shape arithmetic. Some kernels need small integers on the host before they can be
 * recorded: a Subtensor's bounds `i*mb:(i+1)*mb` from a symbolic `i`, the length an `arange` or
 * `eye` will have, a `shapeOf` fed back into arithmetic. Reading them back from the GPU in the
 * middle of a call would stall the queue, so the executable never does: a node whose results are
 * int32/bool scalars or short vectors, and whose inputs are explicit inputs, constants, other such
 * nodes or (for shape/shape_at) only the run-time shapes, runs its `perform` on the host before
 * its consumers are encoded. The value rides along in `GpuTensor.host`, and the GPU buffer is
 * created lazily, only when some kernel binds it.
 */

/** Vectors longer than this stay on the GPU even when they could be computed on the host. */
const MAX_HOST_LENGTH = 64;

/** Ops that read only their input's run-time shape. */
const readsShape = (node: Apply) => node.op instanceof Shape || node.op instanceof ShapeAt;

function small(v: Variable): boolean {
  if (v.dtype !== 'int32' && v.dtype !== 'bool') return false;
  if (v.ndim === 0) return true;
  return v.ndim === 1 && v.type.shape[0] !== null && v.type.shape[0]! <= MAX_HOST_LENGTH;
}

/** The nodes of the graph evaluated on the host, and every variable whose value is known there. */
export function hostPlan(spec: LowerSpec): { nodes: Set<Apply>; known: Set<Variable> } {
  return hostEvaluated(spec.graph.nodes, spec.inputs);
}

/** Of `graphNodes` (in dependency order), those evaluated on the host when the values of `given` are known there. */
export function hostEvaluated(graphNodes: readonly Apply[], given: Iterable<Variable>): { nodes: Set<Apply>; known: Set<Variable> } {
  const known = new Set<Variable>(given);
  const nodes = new Set<Apply>();
  const isKnown = (v: Variable) => known.has(v) || v instanceof Constant;
  for (const node of graphNodes) {
    if (!node.outputs.every(small)) continue;
    // Random ops advance a generator state: they always run where the state lives.
    if (node.op instanceof RandomOp) continue;
    if (!readsShape(node) && !node.inputs.every(isKnown)) continue;
    nodes.add(node);
    for (const o of node.outputs) known.add(o);
  }
  return { nodes, known };
}

/** A step with no kernel: the node's own perform on host values (shapes only, for shape readers). */
export function hostStep(node: Apply): Step {
  const evaluate = (ins: readonly GpuTensor[]): NDArray[] => {
    const { op } = node;
    if (op instanceof Shape) return [new NDArray('int32', [ins[0]!.shape.length], Int32Array.from(ins[0]!.shape))];
    if (op instanceof ShapeAt) return [new NDArray('int32', [], Int32Array.of(ins[0]!.shape[op.axis]!))];
    return node.op.perform(ins.map((t) => t.host!), node);
  };
  return {
    node,
    describe: `host ${node.op.toString()} (small int values computed before encoding)`,
    shapes: () => { throw new Error('host steps are evaluated, not given shapes'); },
    evaluate,
  };
}
