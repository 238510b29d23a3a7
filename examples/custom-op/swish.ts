// A user-defined op that is not in the catalogue: Swish, y = x * sigmoid(beta * x), with beta fixed
// when the op is built. It meets the same contract as the built-in ops: its parameters declared in
// `static props` (equality, printing), a type rule, reference semantics and a gradient written with
// other ops.
import { NDArray, Op, ShapeError, TensorType, isFloat, sameShape, type Apply, type GradResult, type Variable } from '@hypatia/core';
import { add, asVariable, mul, sigmoid, sub, type VarLike } from '@hypatia/ops';

export class Swish extends Op {
  readonly name = 'swish';
  constructor(readonly beta = 1) {
    super();
  }

  static override readonly props = ['beta'];

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    if (!isFloat(t!.dtype)) throw new ShapeError(`swish needs a float tensor, got ${t!.dtype}`);
    return [t!];
  }

  perform([x]: readonly NDArray[], _node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const prev = reuse?.[0];
    const out = prev && prev.dtype === x!.dtype && sameShape(prev.shape, x!.shape) ? prev : NDArray.zeros(x!.dtype, x!.shape);
    const xs = x!.data, ys = out.data, beta = this.beta;
    for (let i = 0; i < xs.length; i++) ys[i] = xs[i]! / (1 + Math.exp(-beta * xs[i]!));
    return [out];
  }

  /** dy/dx = s + beta x s (1 - s), with s = sigmoid(beta x). */
  override grad([x]: readonly Variable[], _outputs: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    const s = sigmoid(mul(this.beta, x!));
    return [mul(g!, add(s, mul(mul(this.beta, x!), mul(s, sub(1, s)))))];
  }
}

export function swish(x: VarLike, beta = 1): Variable {
  return new Swish(beta).call(asVariable(x));
}
