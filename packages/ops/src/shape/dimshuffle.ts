import { NDArray, Op, ShapeError, TensorType, stridesOf, typedArrayFor, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { stridedCopyKernel, stridedCopyLaunch } from './copy-kernels.js';

/** A dimshuffle pattern: input axes in their new order, 'x' for a new broadcastable axis. */
export type Pattern = readonly (number | 'x')[];

/**
 * Theano's dimshuffle: permute axes, drop broadcastable ones, insert new broadcastable ones
 * ('x'). `dimshuffle(b, 'x', 0)` turns a vector into a row.
 */
export class DimShuffle extends Op {
  readonly name = 'dimshuffle';
  constructor(readonly pattern: Pattern, readonly inputNdim: number) {
    super();
  }

  static override readonly props = ['pattern', 'inputNdim'];

  /** Input axes the pattern leaves out (they must be broadcastable). */
  get dropped(): number[] {
    const kept = new Set(this.pattern.filter((p): p is number => p !== 'x'));
    return Array.from({ length: this.inputNdim }, (_, i) => i).filter((i) => !kept.has(i));
  }

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    if (t!.ndim !== this.inputNdim) throw new ShapeError(`pattern expects ${this.inputNdim} dimensions, got ${t!.ndim}`);
    const used = this.pattern.filter((p): p is number => p !== 'x');
    if (new Set(used).size !== used.length) throw new ShapeError(`pattern [${this.pattern.join(', ')}] repeats an axis`);
    for (const p of used) if (p < 0 || p >= t!.ndim) throw new ShapeError(`pattern [${this.pattern.join(', ')}] names axis ${p}, out of range`);
    for (const d of this.dropped) {
      if (t!.shape[d] !== 1) throw new ShapeError(`pattern [${this.pattern.join(', ')}] drops axis ${d}, which is not broadcastable (length ${t!.shape[d] ?? '?'})`);
    }
    return [new TensorType(t!.dtype, this.pattern.map((p) => (p === 'x' ? 1 : t!.shape[p]!)))];
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    const outShape = this.pattern.map((p) => (p === 'x' ? 1 : x!.shape[p]!));
    const inStrides = stridesOf(x!.shape);
    const srcStrides = this.pattern.map((p) => (p === 'x' ? 0 : inStrides[p]!));
    const perm = this.pattern.filter((p): p is number => p !== 'x');
    const isIdentityOrder = perm.every((p, i) => i === 0 || p > perm[i - 1]!);
    if (isIdentityOrder) return [new NDArray(x!.dtype, outShape, x!.data.slice() as typeof x.data)];
    return [gatherStrided(x!, outShape, srcStrides)];
  }

  /** A strided copy: the output's axis i reads the input's axis pattern[i], an inserted axis stride 0. */
  override kernels(node: Apply): KernelProgram {
    const dtype = node.outputs[0]!.dtype;
    return {
      kernels: [stridedCopyKernel(`dimshuffle_${dtype}`, dtype, this.pattern.length)],
      plan: ([x]) => {
        const shape = this.pattern.map((p) => (p === 'x' ? 1 : x!.shape[p]!));
        const xStrides = stridesOf(x!.shape);
        const from = this.pattern.map((p) => (p === 'x' ? 0 : xStrides[p]!));
        return { outputs: [shape], launches: [stridedCopyLaunch(0, { input: 0 }, { output: 0 }, shape, from, stridesOf(shape))] };
      },
    };
  }

  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    // Undo: drop the inserted axes, restore the dropped ones, invert the permutation.
    const kept = this.pattern.map((p, i) => [p, i] as const).filter(([p]) => p !== 'x') as [number, number][];
    const gNoX = dimshuffle(g!, kept.map(([, i]) => i));
    const order = kept.map(([p]) => p);
    const inverse: (number | 'x')[] = [];
    for (let ax = 0; ax < x!.ndim; ax++) {
      const j = order.indexOf(ax);
      inverse.push(j === -1 ? 'x' : j);
    }
    return [dimshuffle(gNoX, inverse)];
  }
}

/** Copy `x` into a new contiguous array whose element at index i comes from sum(i_k * srcStrides_k). */
export function gatherStrided(x: NDArray, outShape: readonly number[], srcStrides: readonly number[]): NDArray {
  const n = outShape.reduce((a, b) => a * b, 1);
  const out = typedArrayFor(x.dtype, n);
  const nd = outShape.length;
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    out[i] = x.data[src]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      src += srcStrides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= srcStrides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return new NDArray(x.dtype, [...outShape], out);
}

/**
 * Theano's dimshuffle: `dimshuffle(x, 1, 0)` transposes, `dimshuffle(v, 'x', 0)` makes a row of a vector; an axis left out must be broadcastable.
 */
export function dimshuffle(x: VarLike, ...pattern: (number | 'x')[] | [Pattern]): Variable {
  const v = asVariable(x);
  const pat = (pattern.length === 1 && Array.isArray(pattern[0]) ? pattern[0] : pattern) as Pattern;
  if (pat.length === v.ndim && pat.every((p, i) => p === i)) return v;
  return new DimShuffle(pat, v.ndim).call(v);
}

/** Reverse (or permute) the axes; with no permutation, reverses them as NumPy's transpose. */
export function transpose(x: VarLike, axes?: readonly number[]): Variable {
  const v = asVariable(x);
  const perm = axes ?? Array.from({ length: v.ndim }, (_, i) => v.ndim - 1 - i);
  return dimshuffle(v, perm.map((a) => (a < 0 ? a + v.ndim : a)));
}
