import { DISCONNECTED, Op, TensorType, zerosLike, type Apply, type GradResult, type KernelProgram, type NDArray, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { checkScalarOperands, formatIndices, parseIndices, resolveRegion, staticIndexedShape, type AxisIndex, type IndexEntry, type SliceTuple } from './slice-spec.js';
import { gatherRegion } from './strided.js';
import { IncSubtensor } from './inc-subtensor.js';
import { buildError } from './build-error.js';
import { subtensorProgram } from './region-kernels.js';

/**
 * Basic indexing, Theano's Subtensor: per axis an integer (the axis goes away) or a slice with
 * NumPy's start/stop/step rules, negative steps included. Bounds may be int32 scalar variables
 * (operands after x), so `data[i*mb:(i+1)*mb]` with a symbolic `i` reads only the minibatch.
 */
export class Subtensor extends Op {
  readonly name = 'subtensor';
  constructor(readonly indices: readonly AxisIndex[]) {
    super();
  }

  static override readonly props = ['indices'];

  inferTypes([x, ...scalars]: readonly TensorType[]): TensorType[] {
    checkScalarOperands(this.indices, scalars, x!);
    return [new TensorType(x!.dtype, staticIndexedShape(this.indices, x!.shape))];
  }

  perform([x, ...scalars]: readonly NDArray[], node: Apply): NDArray[] {
    return [gatherRegion(x!, resolveRegion(this.indices, x!.shape, scalars, this.name, node))];
  }

  override kernels(node: Apply): KernelProgram {
    return subtensorProgram(this.indices, node);
  }

  override grad([x, ...scalars]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    const gx = new IncSubtensor(this.indices, 'inc').call(zerosLike(x!), g!, ...scalars);
    return [gx, ...scalars.map(() => DISCONNECTED)];
  }

  override toString(): string {
    return `subtensor[${formatIndices(this.indices)}]`;
  }
}

/**
 * `x[entries]` as NumPy writes it: `subtensor(x, [1, [2, null, -1], null])` is `x[1, 2::-1, :]`.
 * An entry is an integer (number or int32 scalar variable), a `[start, stop, step]` triple whose
 * parts may be numbers, int32 scalar variables or undefined, or null for the whole axis. Axes
 * after the last entry are taken whole.
 */
export function subtensor(x: VarLike, entries: readonly IndexEntry[]): Variable {
  const v = asVariable(x);
  const { indices, scalars } = parseIndices(entries, v.ndim, 'subtensor');
  // Even a whole-tensor index builds a node, so incSubtensor/setSubtensor can always read it back.
  return new Subtensor(indices).call(v, ...scalars);
}

/** Slices only, one `[start, stop, step?]` per leading axis: `slice(x, [[i * mb, (i + 1) * mb]])`. */
export function slice(x: VarLike, ranges: readonly (SliceTuple | null)[]): Variable {
  return subtensor(x, ranges);
}

/** The slice `[start, stop, step]` of one axis, the others whole. */
export function sliceAxis(x: VarLike, axis: number, start?: number | Variable | null, stop?: number | Variable | null, step?: number | Variable | null): Variable {
  const v = asVariable(x);
  const a = axis < 0 ? axis + v.ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= v.ndim) throw buildError('sliceAxis', `axis ${axis} is out of range for ${v.ndim} dimensions`);
  const entries: IndexEntry[] = Array.from({ length: a }, () => null);
  entries.push([start, stop, step]);
  return subtensor(v, entries);
}
