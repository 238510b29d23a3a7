import { Constant, DISCONNECTED, NDArray, Op, ShapeError, TensorType, Variable, shapeSize, type Apply, type Dim, type GradResult, type KernelProgram, HypatiaError } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { contiguousCopyProgram } from './copy-kernels.js';
import { SymbolicReshape, splitTarget, type TargetLength } from './symbolic-reshape.js';
import { buildError } from './build-error.js';
import { subtensor } from './subtensor.js';
import { Shape, shapeOf } from '../creation/shape-of.js';

/** Reshape to a static target; one entry may be -1 (inferred). Target entries are numbers, fixed at build time. */
export class Reshape extends Op {
  readonly name = 'reshape';
  constructor(readonly target: readonly number[]) {
    super();
    if (target.filter((d) => d === -1).length > 1) throw new RangeError('reshape: at most one dimension may be -1');
  }

  static override readonly props = ['target'];

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    const known = t!.shape.every((d) => d !== null) ? (t!.shape as number[]).reduce((a, b) => a * b, 1) : null;
    const fixed = this.target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (known !== null) {
      if (this.target.includes(-1) ? fixed === 0 || known % fixed !== 0 : known !== fixed) {
        throw new ShapeError(`cannot reshape ${known} elements to [${this.target.join(', ')}]`);
      }
    }
    const shape: Dim[] = this.target.map((d) => (d === -1 ? (known !== null ? known / fixed : null) : d));
    return [new TensorType(t!.dtype, shape)];
  }

  resolve(size: number, node?: Apply): number[] {
    const fixed = this.target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = this.target.map((d) => (d === -1 ? size / fixed : d));
    if (shape.some((d) => !Number.isInteger(d)) || shape.reduce((a, b) => a * b, 1) !== size) {
      throw new HypatiaError('reshape', `cannot reshape ${size} elements to [${this.target.join(', ')}]`, node?.site);
    }
    return shape;
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    return [new NDArray(x!.dtype, this.resolve(x!.size, node), x!.data.slice() as typeof x.data)];
  }

  override kernels(node: Apply): KernelProgram {
    return contiguousCopyProgram(node, ([x]) => this.resolve(shapeSize(x!.shape), node));
  }

  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [reshapeLike(g!, x!)];
  }
}

/** Reshape `g` back to the run-time shape of `like` (used by gradients, whose shapes may be unknown statically). */
export class ReshapeLike extends Op {
  readonly name = 'reshape_like';
  inferTypes([t, like]: readonly TensorType[]): TensorType[] {
    return [new TensorType(t!.dtype, like!.shape)];
  }
  perform([x, like]: readonly NDArray[], node: Apply): NDArray[] {
    return [new NDArray(x!.dtype, this.resolve(x!.size, like!.shape, node), x!.data.slice() as typeof x.data)];
  }
  override kernels(node: Apply): KernelProgram {
    return contiguousCopyProgram(node, ([x, like]) => this.resolve(shapeSize(x!.shape), like!.shape, node));
  }
  /** `like`'s shape, when it holds `size` elements. */
  resolve(size: number, like: readonly number[], node: Apply): number[] {
    if (size !== shapeSize(like)) throw new HypatiaError(this.name, `cannot reshape ${size} elements to [${like.join(', ')}]`, node.site);
    return [...like];
  }
  override grad([x, like]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [reshapeLike(g!, x!), DISCONNECTED];
  }
}

/**
 * x's elements under another shape, one length of which may be -1 (inferred). Lengths are numbers
 * (a static target), int32 scalar variables read at run time (`reshape(x, [shapeOf(x, 0), -1])`),
 * or the whole target is an int32 vector of static length (`reshape(x, shapeOf(y))`).
 */
export function reshape(x: VarLike, shape: readonly TargetLength[] | Variable): Variable {
  const v = asVariable(x);
  const target = shape instanceof Variable ? targetOfVector(shape) : shape;
  const { fixed, lengths } = splitTarget(target);
  if (!lengths.length) return new Reshape(fixed as number[]).call(v);
  return new SymbolicReshape(fixed).call(v, ...lengths);
}

/** A shape vector's entries: x's lengths for shapeOf(x), numbers for a constant, else its elements. */
function targetOfVector(s: Variable): TargetLength[] {
  const n = s.shape[0];
  if (s.ndim !== 1 || s.dtype !== 'int32' || n === null || n === undefined) {
    throw buildError('reshape', `a target given as one variable must be an int32 vector of static length, got ${s} : ${s.type}`);
  }
  if (s instanceof Constant) return Array.from(s.value.data);
  const source = s.owner?.op instanceof Shape ? s.owner.inputs[0]! : null;
  return Array.from({ length: n }, (_, i) => (source ? shapeOf(source, i) : subtensor(s, [i])));
}

/** `x` reshaped to `like`'s run-time shape (the sizes must match). */
export function reshapeLike(x: Variable, like: Variable): Variable {
  if (x.ndim === like.ndim && x.shape.every((d, i) => d !== null && d === like.shape[i])) return x;
  return new ReshapeLike().call(x, like);
}

/** Collapse the trailing dimensions from `ndim - 1` on into one (Theano's flatten(ndim)). */
export function flatten(x: VarLike, ndim = 1): Variable {
  const v = asVariable(x);
  if (ndim < 1 || ndim > v.ndim) throw new RangeError(`flatten: ndim ${ndim} out of range for ${v.type}`);
  const lead = v.shape.slice(0, ndim - 1);
  if (lead.some((d) => d === null)) return new Flatten(ndim).call(v);
  return reshape(v, [...(lead as number[]), -1]);
}

/** Flatten with unknown leading dimensions, resolved at run time. */
export class Flatten extends Op {
  readonly name = 'flatten';
  constructor(readonly ndim: number) { super(); }
  static override readonly props = ['ndim'];
  inferTypes([t]: readonly TensorType[]): TensorType[] {
    const tail = t!.shape.slice(this.ndim - 1);
    const last = tail.every((d) => d !== null) ? (tail as number[]).reduce((a, b) => a * b, 1) : null;
    return [new TensorType(t!.dtype, [...t!.shape.slice(0, this.ndim - 1), last])];
  }
  perform([x]: readonly NDArray[]): NDArray[] {
    return [new NDArray(x!.dtype, this.resolve(x!.shape), x!.data.slice() as typeof x.data)];
  }
  override kernels(node: Apply): KernelProgram {
    return contiguousCopyProgram(node, ([x]) => this.resolve(x!.shape));
  }
  /** The leading axes kept, the rest collapsed into one. */
  resolve(shape: readonly number[]): number[] {
    return [...shape.slice(0, this.ndim - 1), shapeSize(shape.slice(this.ndim - 1))];
  }
  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [reshapeLike(g!, x!)];
  }
}
