import { Constant, DISCONNECTED, NDArray, Op, TensorType, Variable, shapeSize, stridesOf, typedArrayFor, zerosLike, type Apply, type GradResult, type KernelProgram, type ValueLike } from '@hypatia/core';
import { asVariable, normAxis, type VarLike } from '../util/as-variable.js';
import { flatten } from '../shape/reshape.js';
import { advancedShape, indexOffsets } from './index-arrays.js';
import { AdvancedIncSubtensor } from './advanced-inc-subtensor.js';
import { buildError } from '../shape/build-error.js';
import { gatherProgram } from './index-kernels.js';

/**
 * Integer-array indexing (Theano's AdvancedSubtensor): `x[..., i0, i1, ...]` with int32 arrays on
 * the adjacent axes from `axis` on, broadcast together. With one array it is `take` (an embedding
 * lookup); with two on a matrix it picks `p[rows[k], cols[k]]`, the log-likelihood in network3.
 */
export class AdvancedSubtensor extends Op {
  readonly name = 'advanced_subtensor';
  constructor(readonly axis: number) {
    super();
  }

  static override readonly props = ['axis'];

  inferTypes([x, ...idx]: readonly TensorType[]): TensorType[] {
    return [new TensorType(x!.dtype, advancedShape(x!, idx, this.axis))];
  }

  perform([x, ...idx]: readonly NDArray[], node: Apply): NDArray[] {
    const k = idx.length;
    const strides = stridesOf(x!.shape);
    const { shape, offsets } = indexOffsets(idx, x!.shape.slice(this.axis, this.axis + k), strides.slice(this.axis, this.axis + k), this.axis, this.name, node);
    const outer = shapeSize(x!.shape.slice(0, this.axis));
    const block = shapeSize(x!.shape.slice(this.axis));
    const innerShape = x!.shape.slice(this.axis + k);
    const inner = shapeSize(innerShape);
    const out = typedArrayFor(x!.dtype, outer * offsets.length * inner);
    const src = x!.data;
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (let b = 0; b < offsets.length; b++) {
        const s = o * block + offsets[b]!;
        for (let t = 0; t < inner; t++) out[p++] = src[s + t]!;
      }
    }
    return [new NDArray(x!.dtype, [...x!.shape.slice(0, this.axis), ...shape, ...innerShape], out)];
  }

  override kernels(node: Apply): KernelProgram {
    return gatherProgram(this.axis, node);
  }

  override grad([x, ...idx]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    // Scatter-add into zeros: an element picked several times gets the sum of its gradients.
    const gx = new AdvancedIncSubtensor(this.axis, 'inc').call(zerosLike(x!), g!, ...idx);
    return [gx, ...idx.map(() => DISCONNECTED)];
  }
}

/** An index operand: an int32 variable, or a constant from JS integers / an int32 NDArray. */
export function asIndex(i: Variable | ValueLike, op: string): Variable {
  if (i instanceof Variable) return i;
  if (i instanceof NDArray) {
    if (i.dtype !== 'int32') throw buildError(op, `index arrays must be int32, got ${i.dtype}`);
    return new Constant(i);
  }
  const a = NDArray.from(i as ArrayLike<unknown> | number, 'float64');
  if (!a.data.every((v) => Number.isInteger(v))) throw buildError(op, `index values must be integers`);
  return new Constant(a.astype('int32'));
}

/**
 * `x[i0, i1, ...]` with integer arrays on the axes from `axis` on (default the first):
 * `advancedIndex(p, [rows, cols])[k] = p[rows[k], cols[k]]`. The arrays broadcast together and
 * their broadcast shape replaces the indexed axes.
 */
export function advancedIndex(x: VarLike, indices: readonly (Variable | ValueLike)[], axis = 0): Variable {
  const v = asVariable(x);
  const a = axis < 0 ? axis + v.ndim : axis;
  return new AdvancedSubtensor(a).call(v, ...indices.map((i) => asIndex(i, 'advancedIndex')));
}

/**
 * NumPy's take: gather along `axis` with an int32 index array of any rank, whose shape replaces
 * that axis. With no axis, `x` is flattened first.
 */
export function take(x: VarLike, indices: Variable | ValueLike, axis?: number): Variable {
  let v = asVariable(x);
  if (axis === undefined) v = v.ndim === 1 ? v : flatten(v, 1);
  const a = axis === undefined ? 0 : normAxis(axis, v.ndim, 'take');
  return new AdvancedSubtensor(a).call(v, asIndex(indices, 'take'));
}
