import {
  DISCONNECTED, E, HypatiaError, I, KernelBuilder, NDArray, Op, ShapeError, TensorType, isFloat, shapeSize,
  type Apply, type DType, type Expr, type GradResult, type Idx, type KernelProgram, type LaunchPlan,
} from '@hypatia/core';

/**
 * The positions that sort each line along `axis` (NumPy's argsort with a stable sort): ascending,
 * NaN last (NumPy's order), or `descending`, NaN first (NaN counts as the largest). Equal values,
 * -0 and 0 included, keep their order. With `k`, only the first k positions of each line (top-k).
 * The result is int32, of x's shape with the axis k long.
 */
export class ArgSort extends Op {
  readonly name = 'argsort';
  constructor(readonly axis: number, readonly descending = false, readonly k: number | null = null) {
    super();
    if (k !== null && (!Number.isInteger(k) || k < 0)) throw new RangeError(`argsort: k must be a non-negative integer, got ${k}`);
  }

  static override readonly props = ['axis', 'descending', 'k'];

  inferTypes([t]: readonly TensorType[]): TensorType[] {
    if (!Number.isInteger(this.axis) || this.axis < 0 || this.axis >= t!.ndim) {
      throw new ShapeError(`axis ${this.axis} is out of range for ${t!.ndim} dimensions`);
    }
    const n = t!.shape[this.axis]!;
    if (this.k !== null && n !== null && this.k > n) throw new ShapeError(`k = ${this.k} is more than the ${n} elements of axis ${this.axis}`);
    return [new TensorType('int32', t!.shape.map((d, i) => (i === this.axis && this.k !== null ? this.k : d)))];
  }

  /** [outer, n, inner] around the axis, and how many positions each line keeps; a k past the axis is the op's error. */
  private blocks(shape: readonly number[], node: Apply): [number, number, number, number] {
    const n = shape[this.axis]!;
    if (this.k !== null && this.k > n) {
      throw new HypatiaError(this.name, `k = ${this.k} is more than the ${n} elements of axis ${this.axis} (shape [${shape.join(', ')}])`, node.site);
    }
    return [shapeSize(shape.slice(0, this.axis)), n, shapeSize(shape.slice(this.axis + 1)), this.k ?? n];
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    const [outer, n, inner, kept] = this.blocks(x!.shape, node);
    const before = comesBefore(this.descending);
    const out = new Int32Array(outer * kept * inner);
    const line = Array.from({ length: n }, (_, i) => i);
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < inner; t++) {
        const value = (i: number) => x!.data[(o * n + i) * inner + t]!;
        // Array.prototype.sort is stable: ties keep their positions' order.
        const order = line.slice().sort((a, b) => (before(value(a), value(b)) ? -1 : before(value(b), value(a)) ? 1 : 0));
        for (let p = 0; p < kept; p++) out[(o * kept + p) * inner + t] = order[p]!;
      }
    }
    return [new NDArray('int32', x!.shape.map((d, i) => (i === this.axis ? kept : d)), out)];
  }

  /**
   * A stable sort by rank: each element counts the elements of its line that sort before it
   * (smaller, or equal and earlier), O(n) a point, and writes its position at that rank (the ranks
   * of a line are a permutation, so no two points write one place). With k, the permutation goes
   * to scratch and a second kernel copies each line's first k.
   */
  override kernels(node: Apply): KernelProgram {
    const dtype = node.inputs[0]!.dtype;
    const kernels = [rankKernel(dtype, this.descending)];
    if (this.k !== null) kernels.push(prefixKernel());
    return {
      kernels,
      plan: ([xs]): LaunchPlan => {
        const [outer, n, inner, kept] = this.blocks(xs!.shape, node);
        const outputs = [xs!.shape.map((d, i) => (i === this.axis ? kept : d))];
        if (this.k === null) return { outputs, launches: [{ kernel: 0, buffers: [{ input: 0 }, { output: 0 }], params: [outer, n, inner] }] };
        return {
          outputs,
          temps: [{ dtype: 'int32', size: outer * n * inner }],
          launches: [
            { kernel: 0, buffers: [{ input: 0 }, { temp: 0 }], params: [outer, n, inner] },
            { kernel: 1, buffers: [{ temp: 0 }, { output: 0 }], params: [outer, n, inner, kept] },
          ],
        };
      },
    };
  }

  override grad(): GradResult[] {
    return [DISCONNECTED];
  }
}

/** Does value a sort strictly before value b (ascending: smaller, NaN last; descending: larger, NaN first)? */
function comesBefore(descending: boolean): (a: number, b: number) => boolean {
  return descending
    ? (a, b) => a > b || (a !== a && b === b)
    : (a, b) => a < b || (a === a && b !== b);
}

/** The kernel IR's form of comesBefore, and of "the two sort together" (equal, or both NaN). */
function order(a: Expr, b: Expr, dtype: DType, descending: boolean): { before: Expr; tie: Expr } {
  const call = E.call;
  const strict = descending ? E.gt(a, b) : E.lt(a, b);
  if (!isFloat(dtype)) return { before: strict, tie: E.eq(a, b) };
  const [nanA, nanB] = [call('isnan', [a]), call('isnan', [b])];
  const nanOrder = descending ? call('and', [nanA, call('not', [nanB])]) : call('and', [call('not', [nanA]), nanB]);
  return { before: call('or', [strict, nanOrder]), tie: call('or', [E.eq(a, b), call('and', [nanA, nanB])]) };
}

/** perm[line, rank(i)] = i over the space [outer, n, inner]: the rank counts the line's elements that sort before element i. */
function rankKernel(dtype: DType, descending: boolean) {
  const k = new KernelBuilder(`argsort_${descending ? 'desc' : 'asc'}_${dtype}`);
  const x = k.input(dtype);
  const perm = k.output('int32');
  const [outer, n, inner] = k.params(3);
  const [o, i, t] = k.space(outer!, n!, inner!);
  const at = (j: Idx) => I.add(I.mul(I.add(I.mul(o!, n!), j), inner!), t!);
  const xi = x.at(at(i!));
  const rank = k.reduce('sum', [n!], ([j]) => {
    const { before, tie } = order(x.at(at(j!)), xi, dtype, descending);
    return E.call('or', [before, E.call('and', [E.index(I.lt(j!, i!), 'bool'), tie])]);
  }, { acc: 'int32', dtype: 'int32' });
  k.store(perm, at(I.trunc(rank)), E.index(i!, 'int32'));
  return k.build();
}

/** out[o, p, t] = perm[o, p, t] for p < kept: each line's first positions. */
function prefixKernel() {
  const k = new KernelBuilder('argsort_prefix');
  const perm = k.input('int32');
  const out = k.output('int32');
  const [outer, n, inner, kept] = k.params(4);
  const [o, p, t] = k.space(outer!, kept!, inner!);
  k.store(out, I.add(I.mul(I.add(I.mul(o!, kept!), p!), inner!), t!), perm.at(I.add(I.mul(I.add(I.mul(o!, n!), p!), inner!), t!)));
  return k.build();
}
