import {
  Constant, DISCONNECTED, HypatiaError, NDArray, Op, ShapeError, TensorType, shapeSize,
  type Apply, type Dim, type GradResult, type KernelProgram, type Variable,
} from '@hypatia/core';
import { contiguousCopyProgram } from './copy-kernels.js';
import { reshapeLike } from './reshape.js';

/**
 * Reshape to a target some of whose lengths are int32 scalars known only at run time (Theano's
 * `x.reshape((x.shape[0], -1))`): `target` holds the lengths fixed when the graph was built, and
 * null where the next scalar operand gives one. One length, fixed or read, may be -1 (inferred).
 * The scalars are the program's valueInputs: the plan reads them to size the output (on WebGPU
 * they must be known on the host: inputs, constants, shapes and arithmetic on them).
 */
export class SymbolicReshape extends Op {
  readonly name = 'reshape';
  constructor(readonly target: readonly (number | null)[]) {
    super();
    if (target.filter((d) => d === -1).length > 1) throw new RangeError('reshape: at most one dimension may be -1');
  }

  static override readonly props = ['target'];

  inferTypes([x, ...lengths]: readonly TensorType[]): TensorType[] {
    const needed = this.target.filter((d) => d === null).length;
    if (lengths.length !== needed) throw new ShapeError(`the target [${this.describe()}] reads ${needed} scalar lengths, but ${lengths.length} were given`);
    lengths.forEach((t, i) => {
      if (t.dtype !== 'int32' || t.ndim !== 0) throw new ShapeError(`length operand ${i} must be an int32 scalar, got ${t}`);
    });
    const shape: Dim[] = this.target.map((d) => (d === null || d === -1 ? null : d));
    return [new TensorType(x!.dtype, shape)];
  }

  /** The target with each null filled from its scalar, as `[2, ?, -1]` is printed. */
  private describe(values?: readonly number[]): string {
    let k = 0;
    return this.target.map((d) => (d === null ? (values ? String(values[k++]) : '?') : String(d))).join(', ');
  }

  /** The output shape for `size` elements and the scalars' values; the op's error when they do not fit. */
  resolve(size: number, lengths: readonly NDArray[], node: Apply): number[] {
    const values = lengths.map((a) => a.item());
    let k = 0;
    const shape = this.target.map((d) => (d === null ? values[k++]! : d));
    const fail = (why: string) => new HypatiaError(this.name, `cannot reshape ${size} elements to [${this.describe(values)}]${why}`, node.site);
    if (shape.filter((d) => d === -1).length > 1) throw fail(': at most one length may be -1');
    if (shape.some((d) => d < -1)) throw fail(': a length is negative');
    const fixed = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = shape.map((d) => (d === -1 ? size / fixed : d));
    if (out.some((d) => !Number.isInteger(d)) || shapeSize(out) !== size) throw fail('');
    return out;
  }

  perform([x, ...lengths]: readonly NDArray[], node: Apply): NDArray[] {
    return [new NDArray(x!.dtype, this.resolve(x!.size, lengths, node), x!.data.slice() as typeof x.data)];
  }

  override kernels(node: Apply): KernelProgram {
    const program = contiguousCopyProgram(node, ([x, ...lengths]) => this.resolve(shapeSize(x!.shape), lengths.map((l) => l.value!), node));
    return { ...program, valueInputs: this.target.flatMap((d) => (d === null ? [0] : [])).map((_, i) => i + 1) };
  }

  override grad([x, ...lengths]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [reshapeLike(g!, x!), ...lengths.map(() => DISCONNECTED)];
  }
}

/** A target length as written: a number, or an int32 scalar variable (a constant one counts as its number). */
export type TargetLength = number | Variable;

/** The fixed lengths and the scalar operands of a target with variables in it. */
export function splitTarget(target: readonly TargetLength[]): { fixed: (number | null)[]; lengths: Variable[] } {
  const lengths: Variable[] = [];
  const fixed = target.map((d) => {
    if (typeof d === 'number') return d;
    if (d instanceof Constant && d.ndim === 0) return d.value.item();
    lengths.push(d);
    return null;
  });
  return { fixed, lengths };
}
