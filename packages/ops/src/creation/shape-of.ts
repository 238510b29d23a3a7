import { E, KernelBuilder, NDArray, Op, ShapeError, TensorType, DISCONNECTED, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, normAxis, type VarLike } from '../util/as-variable.js';

/** The run-time shape of its input as an int32 vector (Theano's `x.shape`). */
export class Shape extends Op {
  readonly name = 'shape';
  inferTypes([t]: readonly TensorType[]): TensorType[] {
    return [new TensorType('int32', [t!.ndim])];
  }
  perform([x]: readonly NDArray[]): NDArray[] {
    return [new NDArray('int32', [x!.ndim], Int32Array.from(x!.shape))];
  }
  override kernels(node: Apply): KernelProgram {
    const rank = node.inputs[0]!.ndim;
    return { kernels: [lengthsKernel('shape', rank)], plan: ([x]) => ({ outputs: [[rank]], launches: [{ kernel: 0, buffers: [{ output: 0 }], params: [...x!.shape] }] }) };
  }
  override grad(): GradResult[] {
    return [DISCONNECTED];
  }
}

/** The run-time length of one axis as an int32 scalar (Theano's `x.shape[axis]`). */
export class ShapeAt extends Op {
  readonly name = 'shape_at';
  constructor(readonly axis: number) {
    super();
  }
  static override readonly props = ['axis'];
  inferTypes([t]: readonly TensorType[]): TensorType[] {
    if (!Number.isInteger(this.axis) || this.axis < 0 || this.axis >= t!.ndim) {
      throw new ShapeError(`axis ${this.axis} is out of range for ${t!.ndim} dimensions`);
    }
    return [new TensorType('int32', [])];
  }
  perform([x]: readonly NDArray[]): NDArray[] {
    return [new NDArray('int32', [], Int32Array.of(x!.shape[this.axis]!))];
  }
  override kernels(): KernelProgram {
    return { kernels: [lengthsKernel('shape_at', 1)], plan: ([x]) => ({ outputs: [[]], launches: [{ kernel: 0, buffers: [{ output: 0 }], params: [x!.shape[this.axis]!] }] }) };
  }
  override grad(): GradResult[] {
    return [DISCONNECTED];
  }
}

/** Writes its `count` parameters (lengths the plan reads from the operand's shape) into an int32 output, one point. */
function lengthsKernel(name: string, count: number) {
  const k = new KernelBuilder(name);
  const out = k.output('int32');
  const lengths = k.params(count);
  k.space(1);
  lengths.forEach((len, d) => k.store(out, d, E.index(len, 'int32')));
  return k.build();
}

/**
 * `shapeOf(x)`: the run-time shape as an int32 vector; `shapeOf(x, axis)`: one length as an int32
 * scalar (negative axes count from the end). Always a node, even when the static shape is known,
 * so the graph reads what the data says; rewrites may fold it.
 */
export function shapeOf(x: VarLike, axis?: number): Variable {
  const v = asVariable(x);
  if (axis === undefined) return new Shape().call(v);
  return new ShapeAt(normAxis(axis, v.ndim, 'shapeOf')).call(v);
}
