import { type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { dimshuffle } from '../shape/dimshuffle.js';
import { reshape } from '../shape/reshape.js';
import type { TargetLength } from '../shape/symbolic-reshape.js';
import { lengthOf, productOf } from '../shape/lengths.js';
import { buildError } from '../shape/build-error.js';
import { dot } from './dot.js';

/** Which axes tensordot sums over: the last n of a with the first n of b, or the pairs [a's axes, b's axes]. */
export type TensordotAxes = number | readonly [number | readonly number[], number | readonly number[]];

/**
 * NumPy's and Theano's tensordot: the sum of products over the paired axes, the result's axes
 * a's others then b's others. It is a composition: each operand's summed axes moved together
 * (dimshuffle), each flattened to a matrix (reshape, with lengths read at run time where the types
 * do not know them), one dot, and the free axes restored; gradients and kernels are those ops'.
 */
export function tensordot(a: VarLike, b: VarLike, axes: TensordotAxes = 2): Variable {
  const x = asVariable(a);
  const y = asVariable(b);
  const [ax, bx] = pairedAxes(x, y, axes);
  const freeA = range(x.ndim).filter((d) => !ax.includes(d));
  const freeB = range(y.ndim).filter((d) => !bx.includes(d));
  const lenA = (d: number) => lengthOf(x, d);
  const lenB = (d: number) => lengthOf(y, d);
  const summed = ax.map(lenA);
  const am = matrixOf(dimshuffle(x, [...freeA, ...ax]), freeA.map(lenA), summed);
  const bm = matrixOf(dimshuffle(y, [...bx, ...freeB]), summed, freeB.map(lenB));
  const product = dot(am, bm);
  const out = [...freeA.map(lenA), ...freeB.map(lenB)];
  return out.length === 2 && freeA.length === 1 ? product : reshape(product, out);
}

function pairedAxes(x: Variable, y: Variable, axes: TensordotAxes): [number[], number[]] {
  let ax: number[];
  let bx: number[];
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes) || axes < 0 || axes > x.ndim || axes > y.ndim) {
      throw buildError('tensordot', `cannot sum over the last ${axes} axes of ${x.type} and the first ${axes} of ${y.type}`);
    }
    ax = range(axes).map((i) => x.ndim - axes + i);
    bx = range(axes);
  } else {
    const list = (a: number | readonly number[]) => (typeof a === 'number' ? [a] : [...a]);
    [ax, bx] = [list(axes[0]), list(axes[1])];
    if (ax.length !== bx.length) throw buildError('tensordot', `pairs ${ax.length} axes of a with ${bx.length} axes of b`);
    const norm = (v: Variable, which: string) => (d: number) => {
      const n = d < 0 ? d + v.ndim : d;
      if (!Number.isInteger(n) || n < 0 || n >= v.ndim) throw buildError('tensordot', `axis ${d} of ${which} is out of range for ${v.type}`);
      return n;
    };
    ax = ax.map(norm(x, 'a'));
    bx = bx.map(norm(y, 'b'));
    if (new Set(ax).size !== ax.length || new Set(bx).size !== bx.length) throw buildError('tensordot', `an axis is paired twice: [${ax}] with [${bx}]`);
  }
  ax.forEach((d, i) => {
    const [m, n] = [x.shape[d], y.shape[bx[i]!]];
    if (m !== null && n !== null && m !== n) {
      throw buildError('tensordot', `axis ${d} of a (${x.type}) has length ${m} but axis ${bx[i]} of b (${y.type}) has ${n}`);
    }
  });
  return [ax, bx];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** v (its axes already the rows' then the columns') as a matrix of [product(rows), product(cols)]. */
function matrixOf(v: Variable, rows: readonly TargetLength[], cols: readonly TargetLength[]): Variable {
  if (rows.length === 1 && cols.length === 1) return v;
  return reshape(v, [productOf(rows), productOf(cols)]);
}
