// A user-defined op that is not elementwise: the cumulative sum along the last axis (or from the
// end, `reverse`). Besides its type rule, reference semantics and gradient, it gives its kernel in
// the kernel IR (`kernels`), so every backend runs it compiled (C, WGSL, WebAssembly) with no change
// to @hypatia/backends. Its gradient is the same op summing from the other end.
import {
  E, I, KernelBuilder, NDArray, Op, ShapeError, TensorType, isFloat, type Apply, type GradResult, type KernelProgram, type Variable,
} from '@hypatia/core';
import { asVariable, type VarLike } from '@hypatia/ops';

export class Cumsum extends Op {
  readonly name = 'cumsum';
  constructor(readonly reverse = false) {
    super();
  }

  static override readonly props = ['reverse'];

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    if (!t || !isFloat(t.dtype) || t.ndim < 1) throw new ShapeError(`cumsum needs a float tensor of at least one axis, got ${t}`);
    return [t];
  }

  perform([x]: readonly NDArray[]): NDArray[] {
    const out = NDArray.zeros(x!.dtype, x!.shape);
    const n = x!.shape[x!.ndim - 1]!;
    for (let r = 0; r < x!.size / Math.max(n, 1); r++) {
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const c = this.reverse ? n - 1 - j : j;
        acc += x!.data[r * n + c]!;
        out.data[r * n + c] = acc;
      }
    }
    return [out];
  }

  override grad(_inputs: readonly Variable[], _outputs: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [new Cumsum(!this.reverse).call(g!)];
  }

  /** out[r, c] = the sum of x[r, j] for j <= c (j >= c reversed), accumulated in float64 as perform does. */
  override kernels(node: Apply): KernelProgram {
    const dtype = node.inputs[0]!.dtype;
    const k = new KernelBuilder(this.reverse ? 'cumsum_reverse' : 'cumsum');
    const x = k.input(dtype);
    const y = k.output(dtype);
    const [rows, n] = k.params(2);
    const [r, c] = k.space(rows!, n!);
    const row = I.mul(r!, n!);
    // Reversed, j counts down from the last column, in the order perform adds.
    const count = this.reverse ? I.sub(n!, c!) : I.add(c!, 1);
    const col = (j: typeof c) => (this.reverse ? I.sub(I.sub(n!, 1), j!) : j!);
    const sum = k.reduce('sum', [count], ([j]) => E.cast(x.at(I.add(row, col(j))), 'float64'), { acc: 'float64' });
    k.store(y, I.add(row, c!), sum);
    return {
      kernels: [k.build()],
      plan: ([xs]) => {
        const cols = xs!.shape[xs!.shape.length - 1]!;
        const count = xs!.shape.reduce((a, b) => a * b, 1);
        return { outputs: [xs!.shape], launches: [{ kernel: 0, buffers: [{ input: 0 }, { output: 0 }], params: [cols ? count / cols : 0, cols] }] };
      },
    };
  }
}

export function cumsum(x: VarLike, reverse = false): Variable {
  return new Cumsum(reverse).call(asVariable(x));
}
