import { DISCONNECTED, NDArray, Op, ShapeError, TensorType, isFloat, stridesOf, typedArrayFor, type Apply, type DType, type GradResult, type KernelProgram } from '@hypatia/core';
import { advancedShape, indexOffsets } from './index-arrays.js';
import { lastWriteMaskProgram } from './index-kernels.js';

/**
 * For index arrays into `x` (AdvancedSubtensor's layout), 1 where a position is the last to name
 * its element and 0 where a later position names the same one. Writing with repeated indices keeps
 * only the last write, so this mask is what the gradient of a 'set' scatter passes to the values.
 * Operands: x (only its shape is read), then the index arrays; the result has their broadcast shape.
 */
export class LastWriteMask extends Op {
  readonly name = 'last_write_mask';
  constructor(readonly axis: number, readonly dtype: DType) {
    super();
  }

  static override readonly props = ['axis', 'dtype'];

  inferTypes([x, ...idx]: readonly TensorType[]): TensorType[] {
    if (!isFloat(this.dtype)) throw new ShapeError(`the mask dtype must be a float, got ${this.dtype}`);
    const picked = advancedShape(x!, idx, this.axis);
    return [new TensorType(this.dtype, picked.slice(this.axis, this.axis + picked.length - x!.ndim + idx.length))];
  }

  perform([x, ...idx]: readonly NDArray[], node: Apply): NDArray[] {
    const k = idx.length;
    const strides = stridesOf(x!.shape);
    const { shape, offsets } = indexOffsets(idx, x!.shape.slice(this.axis, this.axis + k), strides.slice(this.axis, this.axis + k), this.axis, this.name, node);
    const mask = typedArrayFor(this.dtype, offsets.length);
    const seen = new Set<number>();
    for (let b = offsets.length - 1; b >= 0; b--) {
      if (!seen.has(offsets[b]!)) mask[b] = 1;
      seen.add(offsets[b]!);
    }
    return [new NDArray(this.dtype, shape, mask)];
  }

  override kernels(node: Apply): KernelProgram {
    return lastWriteMaskProgram(this.axis, this.dtype, node);
  }

  override grad([, ...idx]: readonly unknown[]): GradResult[] {
    return [DISCONNECTED, ...idx.map(() => DISCONNECTED)];
  }
}
