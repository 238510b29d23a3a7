import { Op, TensorType, type Apply, type GradResult, type NDArray, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { checkAxes, normAxes, reduceInto } from './reduce-kernel.js';
import { dimshuffle } from '../shape/dimshuffle.js';
import { broadcastLike } from '../elementwise/broadcast.js';

/** Sum over `axes` (sorted, unique). Integers and booleans sum in int32. */
export class Sum extends Op {
  readonly name = 'sum';
  constructor(readonly axes: readonly number[], readonly keepdims: boolean) {
    super();
  }
  override props() {
    return { axes: this.axes, keepdims: this.keepdims };
  }
  inferTypes([t]: readonly TensorType[]): TensorType[] {
    checkAxes(this.axes, t!.ndim);
    const dtype = t!.dtype === 'bool' ? 'int32' : t!.dtype;
    return [new TensorType(dtype, keptShape(t!.shape, this.axes, this.keepdims))];
  }
  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    return [reduceInto(x!, this.axes, this.keepdims, node.outputs[0]!.dtype, 'sum')];
  }
  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly (Variable | null)[]): GradResult[] {
    return [broadcastLike(restoreAxes(g!, this.axes, this.keepdims, x!.ndim), x!)];
  }
}

export function keptShape<T>(shape: readonly T[], axes: readonly number[], keepdims: boolean): (T | 1)[] {
  const out: (T | 1)[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** Put reduced axes back as broadcastable length-1 axes, so a reduced gradient broadcasts against the input. */
export function restoreAxes(g: Variable, axes: readonly number[], keepdims: boolean, ndim: number): Variable {
  if (keepdims) return g;
  const pattern: (number | 'x')[] = [];
  let k = 0;
  for (let i = 0; i < ndim; i++) pattern.push(axes.includes(i) ? 'x' : k++);
  return dimshuffle(g, pattern);
}

export function sum(x: VarLike, axis?: number | readonly number[], keepdims = false): Variable {
  const v = asVariable(x);
  const axes = normAxes(axis, v.ndim, 'sum');
  if (!axes.length && v.dtype !== 'bool') return v;
  return new Sum(axes, keepdims).call(v);
}
