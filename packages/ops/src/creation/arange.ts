import {
  Constant, DISCONNECTED, E, HypatiaError, KernelBuilder, NDArray, Op, ShapeError, TensorType, Variable, floatX, isFloat, typedArrayFor, upcast,
  zerosLike, type Apply, type DType, type GradResult, type KernelProgram,
} from '@hypatia/core';
import { mul } from '../elementwise/arithmetic.js';
import { castTo } from '../elementwise/broadcast.js';
import { sum } from '../reduce/sum.js';
import { shapeOf } from './shape-of.js';

/** A bound of arange or eye: a JS number, or a scalar variable read at run time. */
export type ScalarBound = number | Variable;

/** Number of elements of [start, stop) by step, as NumPy counts them. */
export function arangeLength(start: number, stop: number, step: number): number {
  return Math.max(0, Math.ceil((stop - start) / step));
}

function fillRange(start: number, step: number, n: number, dtype: DType): NDArray {
  const data = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new NDArray(dtype, [n], data);
}

/** arange with bounds known only at run time: inputs are the scalars start, stop, step. */
export class ARange extends Op {
  readonly name = 'arange';
  constructor(readonly dtype: DType) {
    super();
  }
  static override readonly props = ['dtype'];
  inferTypes(ts: readonly TensorType[]): TensorType[] {
    if (ts.length !== 3) throw new ShapeError(`takes start, stop and step, got ${ts.length} operands`);
    ts.forEach((t, i) => {
      if (t.ndim !== 0) throw new ShapeError(`${['start', 'stop', 'step'][i]} must be a scalar, got ${t}`);
    });
    return [new TensorType(this.dtype, [null])];
  }
  perform([a, b, c]: readonly NDArray[], node: Apply): NDArray[] {
    const [start, step] = [a!.item(), c!.item()];
    return [fillRange(start, step, this.length(a!, b!, c!, node), this.dtype)];
  }
  /** The number of elements for the bounds' values; a zero step or a bound that is not finite is the op's error. */
  length(a: NDArray, b: NDArray, c: NDArray, node: Apply): number {
    const [start, stop, step] = [a.item(), b.item(), c.item()];
    if (step === 0 || ![start, stop, step].every(Number.isFinite)) {
      throw new HypatiaError(this.name, `needs finite bounds and a non-zero step, got start ${start}, stop ${stop}, step ${step}`, node.site);
    }
    return arangeLength(start, stop, step);
  }
  /** out[i] = start + i * step in float64, as perform computes it, then stored in the dtype; the bounds are valueInputs (the length depends on them). */
  override kernels(node: Apply): KernelProgram {
    const k = new KernelBuilder(`arange_${this.dtype}`);
    const start = k.input(node.inputs[0]!.dtype);
    const step = k.input(node.inputs[2]!.dtype);
    const out = k.output(this.dtype);
    const [n] = k.params(1);
    const [i] = k.space(n!);
    k.store(out, i!, E.add(E.cast(start.at(0), 'float64'), E.mul(E.index(i!, 'float64'), E.cast(step.at(0), 'float64'))));
    return {
      kernels: [k.build()],
      valueInputs: [0, 1, 2],
      plan: ([a, b, c]) => {
        const length = this.length(a!.value!, b!.value!, c!.value!, node);
        return { outputs: [[length]], launches: [{ kernel: 0, buffers: [{ input: 0 }, { input: 2 }, { output: 0 }], params: [length] }] };
      },
    };
  }
  /** out[i] = start + i * step: each element moves one-for-one with start and i-for-one with step; stop only changes the length. */
  override grad([start, stop, step]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    const index = () => arange(0, shapeOf(g!, 0), 1, g!.dtype);
    return [
      isFloat(start!.dtype) ? castTo(sum(g!), start!.dtype) : DISCONNECTED,
      isFloat(stop!.dtype) ? zerosLike(stop!) : DISCONNECTED,
      isFloat(step!.dtype) ? castTo(sum(mul(g!, index())), step!.dtype) : DISCONNECTED,
    ];
  }
}

/**
 * NumPy's arange: `arange(stop)`, `arange(start, stop, step = 1)`. Bounds are JS numbers or scalar
 * variables (network3's `arange(y.shape[0])`). With only numbers the result is a constant of static
 * length; otherwise an `arange` node of unknown length. The dtype is int32 when every bound is an
 * integer, else the widest float among the bounds (floatX for JS fractions), unless given.
 */
export function arange(start: ScalarBound, stop?: ScalarBound, step: ScalarBound = 1, dtype?: DType): Variable {
  if (stop === undefined) [start, stop] = [0, start];
  const bounds = [start, stop, step];
  const floats = bounds.filter((b): b is Variable => b instanceof Variable && isFloat(b.dtype)).map((b) => b.dtype);
  const fraction = bounds.some((b) => typeof b === 'number' && !Number.isInteger(b));
  const out: DType = dtype ?? (floats.length ? upcast(...floats) : fraction ? floatX : 'int32');
  if (bounds.every((b): b is number => typeof b === 'number')) {
    const [a, b, c] = bounds as number[];
    if (c === 0 || ![a, b, c].every(Number.isFinite)) {
      throw new RangeError(`arange: needs finite bounds and a non-zero step, got start ${a}, stop ${b}, step ${c}`);
    }
    return new Constant(fillRange(a!, c!, arangeLength(a!, b!, c!), out));
  }
  const vars = bounds.map((b) => (b instanceof Variable ? b : boundConstant(b, out)));
  return new ARange(out).call(...vars);
}

/** A JS number bound as a scalar constant: in the result's float type, or int32 when it is a whole number. */
export function boundConstant(v: number, out: DType): Constant {
  const dtype: DType = isFloat(out) ? out : Number.isInteger(v) ? 'int32' : 'float64';
  return new Constant(NDArray.from(v, dtype));
}
