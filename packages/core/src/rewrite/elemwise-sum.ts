import type { DType } from '../dtype.js';
import { typedArrayFor } from '../dtype.js';
import { NDArray } from '../ndarray.js';
import type { Apply } from '../graph/apply.js';
import { Op, ShapeError } from '../graph/op.js';
import { TensorType, broadcastStatic, type Dim } from '../graph/type.js';
import type { FusedPart } from '../graph/fused-parts.js';
import { elementwiseRunShape, runElementwise } from '../elemwise.js';
import { reductionProgram } from '../kernel/reduction-program.js';
import type { KernelProgram } from '../kernel/program.js';
import { formulaKey, input, substitute, type ScalarExpr } from '../scalar/expr.js';

/**
 * sum(f(x, y, ...), axes): an elementwise formula summed over axes in one kernel, so the
 * elementwise result is never stored. The catalogue's reduction_fusion rule builds it from a sum of
 * an elementwise node; each backend that lists that rule runs it. Summation follows Sum's reference
 * semantics: a float64 accumulator per output element, inputs folded in memory order; booleans sum
 * as int32.
 */
export class ElemwiseSum extends Op {
  readonly name = 'elemwise_sum';
  constructor(
    readonly formula: ScalarExpr,
    readonly inputDtypes: readonly DType[],
    readonly axes: readonly number[],
    readonly keepdims: boolean,
    /** The user's elementwise nodes behind the formula, for run-time errors. */
    override readonly fusedParts: readonly FusedPart[] = [],
  ) {
    super();
    this.formulaKey = formulaKey(formula);
  }

  static override readonly props = ['formulaKey', 'axes', 'keepdims'];
  /** The formula's canonical text: what makes two fused sums the same. */
  readonly formulaKey: string;

  inferTypes(ts: readonly TensorType[]): TensorType[] {
    if (ts.length !== this.inputDtypes.length) throw new ShapeError(`takes ${this.inputDtypes.length} operands, got ${ts.length}`);
    const shape = broadcastStatic(ts.map((t) => t.shape));
    if (typeof shape === 'string') throw new ShapeError(`operands do not broadcast: ${shape}`);
    if (this.axes.some((a) => a >= shape.length)) throw new ShapeError(`axes [${this.axes.join(', ')}] out of range for ${shape.length} dimensions`);
    return [new TensorType(this.outDtype, reduced(shape, this.axes, this.keepdims))];
  }

  get outDtype(): DType {
    return this.formula.dtype === 'bool' ? 'int32' : this.formula.dtype;
  }

  perform(ins: readonly NDArray[], node: Apply): NDArray[] {
    const values = runElementwise(this, substitute(this.formula, ins.map((a, i) => input(i, a.dtype))), ins, node);
    return [sumOver(values, this.axes, this.keepdims, this.outDtype)];
  }

  /** The formula evaluated inside the sum's loops, its operands checked as perform checks them. */
  override kernels(node: Apply): KernelProgram {
    return reductionProgram(node, { fold: 'sum', axes: this.axes, formula: this.formula, runShape: (shapes) => elementwiseRunShape(node, shapes) });
  }

  override toString(): string {
    return `elemwise_sum{axes=[${this.axes.join(',')}]}`;
  }
}

function reduced<T extends Dim>(shape: readonly T[], axes: readonly number[], keepdims: boolean): (T | 1)[] {
  const out: (T | 1)[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function sumOver(x: NDArray, axes: readonly number[], keepdims: boolean, dtype: DType): NDArray {
  const outShape = reduced(x.shape, axes, keepdims) as number[];
  const n = outShape.reduce((a, b) => a * b, 1);
  const acc = new Float64Array(n);
  const nd = x.shape.length;
  // output stride of each input axis, 0 on the summed ones
  const ostr = new Array<number>(nd).fill(0);
  for (let d = nd - 1, s = 1; d >= 0; d--) {
    if (axes.includes(d)) continue;
    ostr[d] = s;
    s *= x.shape[d]!;
  }
  const idx = new Array<number>(nd).fill(0);
  let o = 0;
  for (let i = 0; i < x.data.length; i++) {
    acc[o] += x.data[i]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      o += ostr[d]!;
      if (idx[d]! < x.shape[d]!) break;
      o -= ostr[d]! * x.shape[d]!;
      idx[d] = 0;
    }
  }
  const out = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) out[i] = acc[i]!;
  return new NDArray(dtype, outShape, out);
}
