import { DISCONNECTED, NDArray, Op, ShapeError, TensorType, shapeSize, type Apply, type Dim, type GradResult, type KernelProgram, type Variable, HypatiaError } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { contiguousCopyProgram } from './copy-kernels.js';

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

export function reshape(x: VarLike, shape: readonly number[]): Variable {
  return new Reshape(shape).call(asVariable(x));
}

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
