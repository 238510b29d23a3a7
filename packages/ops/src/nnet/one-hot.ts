import {
  DISCONNECTED, E, HypatiaError, I, KernelBuilder, NDArray, Op, ShapeError, TensorType, floatX, shapeSize, typedArrayFor,
  type Apply, type DType, type GradResult, type KernelProgram,
} from '@hypatia/core';
import { asIndex } from '../indexing/advanced-subtensor.js';
import type { ValueLike, Variable } from '@hypatia/core';

/**
 * Theano's to_one_hot: int32 labels of any shape to rows of `classes` entries, 1 at the label and
 * 0 elsewhere, in `dtype`. A label counts from the end when negative, as advanced indexing and
 * the label losses count; one outside [-classes, classes) is the op's error.
 */
export class OneHot extends Op {
  readonly name = 'one_hot';
  constructor(readonly classes: number, readonly dtype: DType = floatX) {
    super();
    if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`oneHot: the class count must be a positive integer, got ${classes}`);
  }

  static override readonly props = ['classes', 'dtype'];

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    if (t!.dtype !== 'int32') throw new ShapeError(`the labels must be int32, got ${t} (cast them with cast(y, 'int32'))`);
    return [new TensorType(this.dtype, [...t!.shape, this.classes])];
  }

  perform([labels]: readonly NDArray[], node: Apply): NDArray[] {
    const k = this.classes;
    const out = typedArrayFor(this.dtype, labels!.size * k);
    labels!.data.forEach((y, i) => {
      if (y < -k || y >= k) throw new HypatiaError(this.name, `label ${y} at position ${i} is out of range for ${k} classes`, node.site);
      out[i * k + (y < 0 ? y + k : y)] = 1;
    });
    return [new NDArray(this.dtype, [...labels!.shape, k], out)];
  }

  /** A point per output entry, [labels, classes]: 1 where the wrapped label is the class; each label checked. */
  override kernels(): KernelProgram {
    const k = new KernelBuilder(`one_hot_${this.dtype}`);
    const labels = k.input('int32');
    const out = k.output(this.dtype);
    const [n, classes] = k.params(2);
    const [i, c] = k.space(n!, classes!);
    const y = labels.read(i!);
    k.check(I.within(y, I.sub(0, classes!), classes!));
    k.store(out, I.add(I.mul(i!, classes!), c!), E.index(I.eq(I.wrap(y, classes!), c!), this.dtype));
    return {
      kernels: [k.build()],
      plan: ([l]) => ({
        outputs: [[...l!.shape, this.classes]],
        launches: [{ kernel: 0, buffers: [{ input: 0 }, { output: 0 }], params: [shapeSize(l!.shape), this.classes] }],
      }),
    };
  }

  override grad(): GradResult[] {
    return [DISCONNECTED];
  }
}

/** One-hot rows for int32 labels (Theano's to_one_hot): `[...labels.shape, classes]` in `dtype` (floatX by default). */
export function oneHot(labels: Variable | ValueLike, classes: number, dtype: DType = floatX): Variable {
  return new OneHot(classes, dtype).call(asIndex(labels, 'oneHot'));
}
