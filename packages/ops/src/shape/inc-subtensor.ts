import { DISCONNECTED, Op, ShapeError, TensorType, scalarConstant, upcast, type Apply, type GradResult, type KernelProgram, type NDArray, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { castTo, sumToShape } from '../elementwise/broadcast.js';
import { checkScalarOperands, formatIndices, resolveRegion, staticIndexedShape, type AxisIndex } from './slice-spec.js';
import { scatterRegion, writableCopy } from './strided.js';
import { broadcastIntoStatic, valueStrides } from './broadcast-into.js';
import { Subtensor } from './subtensor.js';
import { AdvancedSubtensor } from '../indexing/advanced-subtensor.js';
import { AdvancedIncSubtensor } from '../indexing/advanced-inc-subtensor.js';
import { buildError } from './build-error.js';
import { incSubtensorProgram } from './region-kernels.js';

/**
 * `x` with `y` added to (mode 'inc') or written over (mode 'set') the region a basic index names;
 * y broadcasts into the region. Operands: x, y, then the index's int32 scalars. It is also the
 * gradient of Subtensor: inc into zeros.
 */
export class IncSubtensor extends Op {
  readonly name: string;
  constructor(readonly indices: readonly AxisIndex[], readonly mode: 'inc' | 'set') {
    super();
    this.name = `${mode}_subtensor`;
  }

  static override readonly props = ['indices', 'mode'];

  inferTypes([x, y, ...scalars]: readonly TensorType[]): TensorType[] {
    if (!y) throw new ShapeError('needs the tensor and the value to write');
    checkScalarOperands(this.indices, scalars, x!);
    if (this.mode === 'inc' && x!.dtype === 'bool') throw new ShapeError('cannot add into a bool tensor; use the set mode');
    if (y.dtype !== x!.dtype) throw new ShapeError(`the value is ${y.dtype} but the tensor is ${x!.dtype}`);
    const why = broadcastIntoStatic(y.shape, staticIndexedShape(this.indices, x!.shape));
    if (why) throw new ShapeError(why);
    return [new TensorType(x!.dtype, x!.shape)];
  }

  perform([x, y, ...scalars]: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const region = resolveRegion(this.indices, x!.shape, scalars, this.name, node);
    const strides = valueStrides(this.name, node, y!.shape, region.shape);
    const out = writableCopy(x!, reuse?.[0]);
    scatterRegion(out, region, y!, strides, this.mode);
    return [out];
  }

  override kernels(node: Apply): KernelProgram {
    return incSubtensorProgram(this.indices, this.mode, node);
  }

  override grad([, y, ...scalars]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    // Written-over entries of x no longer reach the output; added-to ones pass g through unchanged.
    const gx = this.mode === 'inc' ? g! : new IncSubtensor(this.indices, 'set').call(g!, scalarConstant(0, g!.dtype), ...scalars);
    const gy = sumToShape(new Subtensor(this.indices).call(g!, ...scalars), y!);
    return [gx, gy, ...scalars.map(() => DISCONNECTED)];
  }

  override toString(): string {
    return `${this.name}[${formatIndices(this.indices)}]`;
  }
}

/** The value to write, in the tensor's dtype: bare numbers take it, integers widen to floats; narrowing is refused. */
export function valueFor(y: VarLike, x: Variable, op: string): Variable {
  const v = asVariable(y, [x]);
  if (v.dtype === x.dtype) return v;
  if (upcast(v.dtype, x.dtype) !== x.dtype) throw buildError(op, `cannot write ${v.dtype} values into ${x} : ${x.type} without losing precision; cast them first`);
  return castTo(v, x.dtype);
}

function rebuild(view: Variable, y: VarLike, mode: 'inc' | 'set'): Variable {
  const opName = `${mode}Subtensor`;
  const node = view.owner;
  if (node?.op instanceof Subtensor) {
    const [x, ...scalars] = node.inputs;
    return new IncSubtensor(node.op.indices, mode).call(x!, valueFor(y, x!, opName), ...scalars);
  }
  if (node?.op instanceof AdvancedSubtensor) {
    const [x, ...idx] = node.inputs;
    return new AdvancedIncSubtensor(node.op.axis, mode).call(x!, valueFor(y, x!, opName), ...idx);
  }
  throw buildError(opName, `the first argument must be the result of subtensor/slice/sliceAxis/advancedIndex/take, got ${view} : ${view.type}`);
}

/**
 * Theano's inc_subtensor: `incSubtensor(slice(x, [[1, 3]]), y)` is x with y added to x[1:3]. Works
 * for basic indexing and for advancedIndex/take, where repeated indices add up.
 */
export function incSubtensor(view: Variable, y: VarLike): Variable {
  return rebuild(view, y, 'inc');
}

/** Theano's set_subtensor: x with the indexed region replaced by y (repeated advanced indices: the last write wins). */
export function setSubtensor(view: Variable, y: VarLike): Variable {
  return rebuild(view, y, 'set');
}
