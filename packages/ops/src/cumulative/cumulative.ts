import {
  DISCONNECTED, E, I, KernelBuilder, NDArray, Op, ShapeError, TensorType, isFloat, shapeSize, typedArrayFor,
  type Apply, type DType, type GradResult, type KernelProgram, type Variable,
} from '@hypatia/core';
import { asVariable, normAxis, type VarLike } from '../util/as-variable.js';
import { flatten } from '../shape/reshape.js';
import { and, cast, div, eq, mul, where } from '../elementwise/arithmetic.js';

/** What a cumulative op folds: a running sum or a running product. */
export type CumulativeFold = 'sum' | 'prod';

/**
 * The running sum or product along one axis (Theano's CumOp, NumPy's cumsum/cumprod), from the
 * axis' start, or from its end when `reverse`. Booleans count in int32. Each element folds its
 * predecessors in order from the fold's identity: floats in float64, rounded once into the dtype
 * (so float32 results are the float64 running value rounded), int32 in int32, wrapping.
 */
export class Cumulative extends Op {
  readonly name: string;
  constructor(readonly fold: CumulativeFold, readonly axis: number, readonly reverse = false) {
    super();
    this.name = fold === 'sum' ? 'cumsum' : 'cumprod';
  }

  static override readonly props = ['fold', 'axis', 'reverse'];

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    if (!Number.isInteger(this.axis) || this.axis < 0 || this.axis >= t!.ndim) {
      throw new ShapeError(`axis ${this.axis} is out of range for ${t!.ndim} dimensions`);
    }
    return [new TensorType(t!.dtype === 'bool' ? 'int32' : t!.dtype, t!.shape)];
  }

  /** The operand's shape as [outer, n, inner] around the axis. */
  private blocks(shape: readonly number[]): [number, number, number] {
    return [shapeSize(shape.slice(0, this.axis)), shape[this.axis]!, shapeSize(shape.slice(this.axis + 1))];
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    const dtype = node.outputs[0]!.dtype;
    const [outer, n, inner] = this.blocks(x!.shape);
    const out = typedArrayFor(dtype, x!.size);
    const src = x!.data;
    const int = dtype === 'int32';
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < inner; t++) {
        let acc = this.fold === 'sum' ? 0 : 1;
        for (let s = 0; s < n; s++) {
          const at = (o * n + (this.reverse ? n - 1 - s : s)) * inner + t;
          const v = src[at]!;
          if (this.fold === 'sum') acc = int ? (acc + v) | 0 : acc + v;
          else acc = int ? Math.imul(acc, v) : acc * v;
          out[at] = acc;
        }
      }
    }
    return [new NDArray(dtype, [...x!.shape], out)];
  }

  /**
   * A point per element, space [outer, n, inner] (the inner axis innermost): the fold of the
   * elements before it along the axis, in perform's order and accumulator. O(n) per element.
   */
  override kernels(node: Apply): KernelProgram {
    const inDtype = node.inputs[0]!.dtype;
    const dtype = node.outputs[0]!.dtype;
    const k = new KernelBuilder(`${this.name}${this.reverse ? '_reverse' : ''}`);
    const x = k.input(inDtype);
    const y = k.output(dtype);
    const [outer, n, inner] = k.params(3);
    const [o, c, t] = k.space(outer!, n!, inner!);
    const at = (j: typeof c) => I.add(I.mul(I.add(I.mul(o!, n!), j!), inner!), t!);
    // Reversed, the fold runs from the axis' last element down to this one, as perform adds.
    const count = this.reverse ? I.sub(n!, c!) : I.add(c!, 1);
    const source = (s: typeof c) => (this.reverse ? I.sub(I.sub(n!, 1), s!) : s!);
    const acc: DType = isFloat(dtype) ? 'float64' : 'int32';
    const folded = k.reduce(this.fold, [count], ([s]) => E.cast(x.at(at(source(s))), acc), { acc, dtype });
    k.store(y, at(c), folded);
    return {
      kernels: [k.build()],
      plan: ([xs]) => ({
        outputs: [xs!.shape],
        launches: [{ kernel: 0, buffers: [{ input: 0 }, { output: 0 }], params: this.blocks(xs!.shape) }],
      }),
    };
  }

  override grad([x]: readonly Variable[], [y]: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    if (!isFloat(x!.dtype)) return [DISCONNECTED];
    // Each element's gradient sums the gradients of the outputs it reaches: a fold from the other end.
    const back = (v: Variable) => new Cumulative('sum', this.axis, !this.reverse).call(v);
    if (this.fold === 'sum') return [back(g!)];
    return [cumprodGrad(x!, y!, g!, back, (v) => new Cumulative(this.fold, this.axis, this.reverse).call(v), (v) => new Cumulative('sum', this.axis, this.reverse).call(v))];
  }
}

/**
 * d cumprod / dx_j = sum over i at or after j of g_i * prod_{k <= i, k != j} x_k. Where x_j is not
 * 0 that is back(g * y)_j / x_j (Theano's formula). At the first zero of a row it is back(g * y')
 * with that zero taken as 1 in y'; after the first zero every term holds it, so it is 0.
 */
function cumprodGrad(
  x: Variable, y: Variable, g: Variable,
  back: (v: Variable) => Variable, fold: (v: Variable) => Variable, count: (v: Variable) => Variable,
): Variable {
  const zero = eq(x, 0);
  const first = and(zero, eq(count(cast(zero, 'int32')), 1));
  const yFirst = fold(where(first, 1, x));
  return where(zero, where(first, back(mul(g, yFirst)), 0), div(back(mul(g, y)), x));
}

function cumulative(fold: CumulativeFold, x: VarLike, axis: number | undefined, op: string): Variable {
  let v = asVariable(x);
  if (v.ndim === 0) throw new RangeError(`${op}: needs at least one axis, got a scalar ${v.type}`);
  // No axis: over the flattened array, as NumPy's and Theano's.
  if (axis === undefined && v.ndim > 1) v = flatten(v, 1);
  return new Cumulative(fold, axis === undefined ? 0 : normAxis(axis, v.ndim, op)).call(v);
}

/** The running sum along `axis` (negative counts from the end; none: over the flattened array). */
export function cumsum(x: VarLike, axis?: number): Variable {
  return cumulative('sum', x, axis, 'cumsum');
}

/** The running product along `axis` (negative counts from the end; none: over the flattened array). */
export function cumprod(x: VarLike, axis?: number): Variable {
  return cumulative('prod', x, axis, 'cumprod');
}
