import { DISCONNECTED, Op, ShapeError, TensorType, scalarConstant, shapeSize, stridesOf, type Apply, type GradResult, type KernelProgram, type NDArray, type Variable, type ValueLike } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { sumToShape } from '../elementwise/broadcast.js';
import { broadcastIntoStatic, valueStrides } from '../shape/broadcast-into.js';
import { flatOffsets, writableCopy } from '../shape/strided.js';
import { valueFor } from '../shape/inc-subtensor.js';
import { advancedShape, indexOffsets, indexShape } from './index-arrays.js';
import { scatterProgram } from './index-kernels.js';
import { AdvancedSubtensor, asIndex } from './advanced-subtensor.js';
import { LastWriteMask } from './last-write-mask.js';
import { mul } from '../elementwise/arithmetic.js';
import { dimshuffle } from '../shape/dimshuffle.js';

/**
 * `x` with `y` scattered into the elements integer arrays pick (AdvancedSubtensor's layout):
 * mode 'inc' adds, and an element picked several times receives every contribution, which is what
 * makes it the gradient of AdvancedSubtensor; mode 'set' writes, the last write winning.
 * Operands: x, y, then the index arrays.
 */
export class AdvancedIncSubtensor extends Op {
  readonly name: string;
  constructor(readonly axis: number, readonly mode: 'inc' | 'set') {
    super();
    this.name = `advanced_${mode}_subtensor`;
  }

  static override readonly props = ['axis', 'mode'];

  inferTypes([x, y, ...idx]: readonly TensorType[]): TensorType[] {
    if (!y) throw new ShapeError('needs the tensor, the value to write and the index arrays');
    const picked = advancedShape(x!, idx, this.axis);
    if (this.mode === 'inc' && x!.dtype === 'bool') throw new ShapeError('cannot add into a bool tensor; use the set mode');
    if (y.dtype !== x!.dtype) throw new ShapeError(`the value is ${y.dtype} but the tensor is ${x!.dtype}`);
    const why = broadcastIntoStatic(y.shape, picked);
    if (why) throw new ShapeError(why);
    return [new TensorType(x!.dtype, x!.shape)];
  }

  perform([x, y, ...idx]: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const k = idx.length;
    const ax = this.axis;
    const strides = stridesOf(x!.shape);
    const outerShape = x!.shape.slice(0, ax);
    const innerShape = x!.shape.slice(ax + k);
    // Shapes are checked before index values, as the kernels' plan does.
    const bShape = indexShape(idx.map((a) => a.shape), this.name, node);
    const ys = valueStrides(this.name, node, y!.shape, [...outerShape, ...bShape, ...innerShape]);
    const { offsets } = indexOffsets(idx, x!.shape.slice(ax, ax + k), strides.slice(ax, ax + k), ax, this.name, node);
    const nb = bShape.length;
    const yOuter = flatOffsets(outerShape, ys.slice(0, ax));
    const yPicked = flatOffsets(bShape, ys.slice(ax, ax + nb));
    const yInner = flatOffsets(innerShape, ys.slice(ax + nb));
    const block = shapeSize(x!.shape.slice(ax));
    const out = writableCopy(x!, reuse?.[0]);
    const o = out.data;
    const v = y!.data;
    const add = this.mode === 'inc';
    for (let a = 0; a < yOuter.length; a++) {
      for (let b = 0; b < offsets.length; b++) {
        const d = a * block + offsets[b]!;
        const s = yOuter[a]! + yPicked[b]!;
        for (let t = 0; t < yInner.length; t++) o[d + t] = add ? o[d + t]! + v[s + yInner[t]!]! : v[s + yInner[t]!]!;
      }
    }
    return [out];
  }

  override kernels(node: Apply): KernelProgram {
    return scatterProgram(this.axis, this.mode, node);
  }

  override grad([, y, ...idx]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    const gx = this.mode === 'inc' ? g! : new AdvancedIncSubtensor(this.axis, 'set').call(g!, scalarConstant(0, g!.dtype), ...idx);
    let picked = new AdvancedSubtensor(this.axis).call(g!, ...idx);
    if (this.mode === 'set') {
      // With repeated indices only the last write reaches the output; earlier ones get no gradient.
      const mask = new LastWriteMask(this.axis, g!.dtype).call(g!, ...idx);
      const inner = g!.ndim - this.axis - idx.length;
      const pattern = [...Array<'x'>(this.axis).fill('x'), ...mask.shape.map((_, i) => i), ...Array<'x'>(inner).fill('x')];
      picked = mul(picked, dimshuffle(mask, pattern));
    }
    return [gx, sumToShape(picked, y!), ...idx.map(() => DISCONNECTED)];
  }
}

/** x with y added at `x[..., i0, i1, ...]` (indices on the axes from `axis` on); repeated indices accumulate. */
export function advancedIncSubtensor(x: VarLike, indices: readonly (Variable | ValueLike)[], y: VarLike, axis = 0): Variable {
  return build(x, indices, y, axis, 'inc');
}

/** x with y written at `x[..., i0, i1, ...]`; for repeated indices the last write wins. */
export function advancedSetSubtensor(x: VarLike, indices: readonly (Variable | ValueLike)[], y: VarLike, axis = 0): Variable {
  return build(x, indices, y, axis, 'set');
}

function build(x: VarLike, indices: readonly (Variable | ValueLike)[], y: VarLike, axis: number, mode: 'inc' | 'set'): Variable {
  const op = `advanced${mode === 'inc' ? 'Inc' : 'Set'}Subtensor`;
  const v = asVariable(x);
  const a = axis < 0 ? axis + v.ndim : axis;
  return new AdvancedIncSubtensor(a, mode).call(v, valueFor(y, v, op), ...indices.map((i) => asIndex(i, op)));
}
