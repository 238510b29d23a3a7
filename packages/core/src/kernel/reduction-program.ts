import type { Apply } from '../graph/apply.js';
import type { DType } from '../dtype.js';
import { shapeSize, stridesOf } from '../ndarray.js';
import { E, I, KernelBuilder } from './builder.js';
import { collapseAxes } from './collapse.js';
import type { KernelProgram, Launch, LaunchPlan, PlanOperand } from './program.js';

/**
 * How a reduction folds: the reference's folds (max and min propagate NaN; argmax and argmin give
 * the first extreme's row-major position over the reduced axes, a NaN counting as the extreme).
 */
export type ReductionFold = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/** A reduction as `reductionProgram` builds its kernels: the fold, the reduced axes and the run-time check. */
export interface ReductionSpec {
  readonly fold: ReductionFold;
  /** The reduced axes of the operand, sorted and unique. */
  readonly axes: readonly number[];
  /** Run-time checks on the operand's shape (max of an empty axis), throwing the op's own error. */
  readonly check?: (shape: readonly number[]) => void;
}

type Fold = 'sum' | 'prod' | 'max' | 'min';
const IDENTITY: Record<Fold, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
const COMBINE = { sum: 'add', prod: 'mul', max: 'maximum', min: 'minimum' } as const;

/**
 * A reduction node's program: its operand folded over `axes` into the node's output (producer
 * fusion inlines an elementwise producer of the operand, kernel/inline.ts), with the reference's
 * numerics: every result folds its elements in input order, starting from the fold's identity, in
 * float64 (sums and products of any dtype, max and min of int32 and bool), or in float32 for
 * float32 max and min (exactly the same values), then converted to the output dtype as a
 * typed-array store does.
 *
 * Two loop structures, the plan choosing by where the input's innermost (non-unit) axis goes:
 * - reduced (a row sum, [100, 10] over axis 1): one point per output over the kept axes, the fold
 *   a reduction over the reduced axes, whose innermost loop walks contiguous elements;
 * - kept (a column sum, the batch axis of [10, 100]): every element is a point, visited in memory
 *   order by a sequential kernel that folds it into its output's accumulator, so the innermost
 *   loop walks a contiguous input row into a contiguous accumulator row (gcc vectorises it)
 *   instead of one strided walk per output. An initialising launch writes the identity; when the
 *   accumulator dtype is not the output's, it is a scratch buffer that a last launch converts.
 *   It is one thread's walk on a CPU, and one invocation's on a GPU (the WGSL printer runs a
 *   sequential kernel so), which suits small column sums such as a batch's bias gradient.
 * In both, adjacent axes that are reduced (or kept) together and contiguous in the operand
 * merge (the leading loops then have length 1), so the innermost loop is as long as it can be.
 * argmax and argmin always take the first structure.
 */
export function reductionProgram(node: Apply, spec: ReductionSpec): KernelProgram {
  const x = node.inputs[0]!;
  const rank = x.ndim;
  const axes = spec.axes;
  const outDtype = node.outputs[0]!.dtype;
  const fold = spec.fold;
  const arg = fold === 'argmax' || fold === 'argmin';
  const acc = accumulatorDtype(fold, x.dtype);
  const direct = acc === outDtype;
  const name = node.op.name.replace(/\W/g, '_');
  const [ROWS, INIT, COLS, FINISH] = [0, 1, 2, 3];
  const nk = rank - axes.length;
  const nr = axes.length;

  // Rows: a point per output; params kept extents, reduced extents, output strides, then the operand's kept and reduced strides.
  const rows = new KernelBuilder(`${name}_rows`);
  {
    const input = rows.input(x.dtype);
    const out = rows.output(outDtype);
    const kExt = rows.params(nk);
    const rExt = rows.params(nr);
    const outS = rows.params(nk);
    const inS = { k: rows.params(nk), r: rows.params(nr) };
    const kv = rows.space(...kExt);
    const value = rows.reduce(fold, rExt, (rv) => input.at(I.add(I.strided(kv, inS.k), I.strided(rv, inS.r))), { acc, dtype: outDtype });
    rows.store(out, I.strided(kv, outS), value);
  }

  // An arg fold keeps a position beside its value, which a column's accumulator has no room for.
  if (arg) return { kernels: [rows.build()], plan };

  // Columns: the identity into the accumulator, every element folded in memory order, then the conversion.
  const init = new KernelBuilder(`${name}_init`);
  {
    const a = init.output(acc);
    const [n] = init.params(1);
    const [o] = init.space(n!);
    init.store(a, o!, E.c(IDENTITY[fold], acc));
  }
  const cols = new KernelBuilder(`${name}_cols`);
  {
    const input = cols.input(x.dtype);
    const a = cols.buffer(acc, 'readwrite');
    const ext = cols.params(rank);
    const accS = cols.params(rank);
    const inS = cols.params(rank);
    const vars = cols.space(...ext);
    const at = I.strided(vars, accS);
    cols.store(a, at, E.call(COMBINE[fold], [a.at(at), E.cast(input.at(I.strided(vars, inS)), acc)]));
  }
  const finish = new KernelBuilder(`${name}_finish`);
  {
    const a = finish.input(acc);
    const out = finish.output(outDtype);
    const [n] = finish.params(1);
    const [o] = finish.space(n!);
    finish.store(out, o!, a.at(o!));
  }
  return { kernels: [rows.build(), init.build(), cols.build({ sequential: true }), finish.build()], plan };

  function plan([operand]: readonly PlanOperand[]): LaunchPlan {
    const shape = operand!.shape;
    spec.check?.(shape);
    const outShape = node.outputs[0]!.ndim === shape.length ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
    const nOut = shapeSize(outShape);
    const strides = stridesOf(shape);
    const innermost = shape.reduce((last, d, i) => (d === 1 ? last : i), -1);
    if (arg || innermost < 0 || axes.includes(innermost) || nOut === 0) {
      const keptAxes = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const kept = collapseAxes(keptAxes.map((i) => shape[i]!), [stridesOf(keptAxes.map((i) => shape[i]!)), keptAxes.map((i) => strides[i]!)]);
      const red = collapseAxes(axes.map((i) => shape[i]!), [axes.map((i) => strides[i]!)]);
      const params = [...kept.shape, ...red.shape, ...kept.strides[0]!, ...kept.strides[1]!, ...red.strides[0]!];
      return { outputs: [outShape], launches: [{ kernel: ROWS, buffers: [{ input: 0 }, { output: 0 }], params }] };
    }
    const accStrides = stridesOf(shape.map((d, i) => (axes.includes(i) ? 1 : d))).map((s, i) => (axes.includes(i) ? 0 : s));
    const c = collapseAxes(shape, [accStrides, strides]);
    const accRef = direct ? { output: 0 } : { temp: 0 };
    const launches: Launch[] = [
      { kernel: INIT, buffers: [accRef], params: [nOut] },
      { kernel: COLS, buffers: [{ input: 0 }, accRef], params: [...c.shape, ...c.strides.flat()] },
    ];
    if (!direct) launches.push({ kernel: FINISH, buffers: [{ temp: 0 }, { output: 0 }], params: [nOut] });
    return { outputs: [outShape], ...(direct ? {} : { temps: [{ dtype: acc, size: nOut }] }), launches };
  }
}

/**
 * The reference folds in float64; a float32 max or min picks one of its float32 elements, so
 * float32 gives the same values. int32 and bool max and min fold in float64 too, where the
 * identities -Infinity and Infinity exist.
 */
function accumulatorDtype(fold: ReductionFold, dtype: DType): DType {
  if (fold === 'argmax' || fold === 'argmin') return dtype;
  return (fold === 'max' || fold === 'min') && dtype === 'float32' ? 'float32' : 'float64';
}
